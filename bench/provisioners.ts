import * as fs from "node:fs";
import * as path from "node:path";

/**
 * A push resource's local-exec provisioner, read from a synth output the way Terraform runs it:
 * `interpreter` with `command` appended, `environment` added to Terraform's own, in the stack's
 * folder (where cdktf runs terraform). Independent of where the host's manifest lives.
 */
export interface ProvisionerRun {
  readonly resource: string;
  /** `triggers_replace.target` ("user@address:port"), to tell which host a resource is for. */
  readonly target?: string;
  readonly argv: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  readonly cwd: string;
}

interface LocalExecJson {
  readonly command: string;
  readonly interpreter?: readonly string[];
  readonly environment?: Record<string, string>;
  readonly working_dir?: string;
}

/** Terraform reads `$${` and `%%{` in JSON configuration strings as literal `${` and `%{`. */
function terraformLiteral(text: string): string {
  return text.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
}

/** Every resource with a local-exec provisioner in every stack of `outdir`. */
export function readProvisioners(outdir: string): ProvisionerRun[] {
  const runs: ProvisionerRun[] = [];
  const stacksDir = path.join(outdir, "stacks");
  for (const stack of fs.readdirSync(stacksDir)) {
    const stackDir = path.join(stacksDir, stack);
    const file = path.join(stackDir, "cdk.tf.json");
    if (!fs.existsSync(file)) continue;
    const config = JSON.parse(fs.readFileSync(file, "utf8")) as {
      resource?: Record<
        string,
        Record<
          string,
          { provisioner?: Array<Record<string, LocalExecJson>>; triggers_replace?: Record<string, string>; triggers?: Record<string, string> }
        >
      >;
    };
    for (const [type, resources] of Object.entries(config.resource ?? {})) {
      for (const [name, resource] of Object.entries(resources)) {
        const exec = resource.provisioner?.find((p) => p["local-exec"])?.["local-exec"];
        if (!exec) continue;
        const interpreter = (exec.interpreter ?? ["/bin/sh", "-c"]).map(terraformLiteral);
        const environment = Object.fromEntries(Object.entries(exec.environment ?? {}).map(([k, v]) => [k, terraformLiteral(v)]));
        runs.push({
          resource: `${type}.${name}`,
          target: (resource.triggers_replace ?? resource.triggers)?.target,
          argv: [...interpreter, terraformLiteral(exec.command)],
          environment,
          cwd: exec.working_dir ? path.resolve(stackDir, exec.working_dir) : stackDir,
        });
      }
    }
  }
  return runs;
}
