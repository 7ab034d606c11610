/** The package subpath that runs the CLI when required (lib/cli/run.ts). */
export const CLI_MODULE = "cdktf-chrony/cli";

/**
 * What each provisioner runs by default: `node -e <finder> --`, with `apply --host ID` and the bundle
 * appended by Terraform. Synth and apply often run in different jobs, containers or checkouts, so
 * nothing here names a path of the synth machine (not its node, not the checkout): at apply time,
 * node resolves `cdktf-chrony/cli` from the stack's folder (cdktf.out/stacks/<stack>) up through
 * the project's node_modules, or through NODE_PATH when the output lives outside the project.
 * When it is not installed there, one line says so instead of node's stack trace.
 */
export function defaultApplyCommand(): string[] {
  // No `${` or `%{` in here: Terraform would read them as templates.
  const finder = [
    `try { require.resolve(${JSON.stringify(CLI_MODULE)}) } catch (e) {`,
    `console.error("cdktf-chrony: cannot load ${CLI_MODULE} from " + process.cwd() + " (" + e.code + "): install cdktf-chrony in the project (npm install cdktf-chrony), set NODE_PATH to the node_modules that holds it, or set the host's applyCommand");`,
    `process.exit(1) }`,
    `require(${JSON.stringify(CLI_MODULE)})`,
  ].join(" ");
  // `--`: what follows is the CLI's, even an option node also knows (`--version`).
  return ["node", "-e", finder, "--"];
}
