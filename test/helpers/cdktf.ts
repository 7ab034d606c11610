import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "../..");
const CDKTF = path.join(ROOT, "node_modules", ".bin", "cdktf");

export interface DeployRun {
  readonly status: number | null;
  /** stdout and stderr, ANSI sequences removed: what a CI log would show. */
  readonly output: string;
}

// eslint-disable-next-line no-control-regex -- ANSI escape sequences start with ESC
export const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");

/**
 * Makes this repository the cdktf-chrony of a project folder, as `npm install cdktf-chrony` would
 * (a link in its node_modules): the provisioners find the CLI from the stack's folder at apply
 * time, as in a user's project. Inside the repository the package finds itself by name.
 */
export function linkPackageInto(projectDir: string): void {
  if (!path.relative(ROOT, path.resolve(projectDir)).startsWith("..")) return;
  const link = path.join(projectDir, "node_modules", "cdktf-chrony");
  if (fs.existsSync(link)) return;
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(ROOT, link, "dir");
}

/** Real `cdktf deploy` (synth + terraform init/plan/apply) of one of the examples; the output's parent folder is the project. */
export function cdktfDeploy(options: { app: string; stack: string; outdir: string; env: NodeJS.ProcessEnv }): DeployRun {
  linkPackageInto(path.dirname(options.outdir));
  const r = spawnSync(CDKTF, ["deploy", "--auto-approve", "--output", options.outdir, "--app", `node ${options.app}`, options.stack], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, CHECKPOINT_DISABLE: "1", DISABLE_VERSION_CHECK: "1", CI: "1", ...options.env },
    timeout: 600_000,
  });
  return { status: r.status, output: stripAnsi(`${r.stdout}\n${r.stderr}`) };
}

/** Terraform's id of each resource in a local state file (a replaced resource gets a new id). */
export function resourceIds(stateFile: string): Record<string, string> {
  const state = JSON.parse(fs.readFileSync(stateFile, "utf8")) as {
    resources: Array<{ name: string; instances: Array<{ attributes: { id: string } }> }>;
  };
  return Object.fromEntries(state.resources.filter((r) => r.instances.length > 0).map((r) => [r.name, r.instances[0].attributes.id]));
}

/** The host an apply-summary line in a deploy log belongs to, with its action and result. */
export function applySummaries(output: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of output.matchAll(/\(local-exec\):\s+(\S+) \(\S+\) (.+?) in [\d.]+ s/g)) out[m[1]] = m[2];
  return out;
}
