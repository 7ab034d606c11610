import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { App, TerraformStack, Testing } from "cdktf";
import { HostManifest } from "../../lib/manifest";
import { readOutdir } from "../../lib/deploy/outdir";
import type { SandboxHost } from "../../lib/sandbox";

export const CLI = path.join(__dirname, "../../dist/lib/cli/main.js");

export { sandboxHostProps } from "../../examples/sandbox-fleet";

export interface SynthesizedHost {
  readonly file: string;
  readonly manifest: HostManifest;
}

/**
 * Synthesizes an app into `outdir` (as `cdktf synth` would) and returns each host's manifest.
 * `projectDir` holds the key store and the fingerprint salt, as a project folder would.
 */
export function synthFleet(projectDir: string, outdir: string, build: (stack: TerraformStack) => void): Record<string, SynthesizedHost> {
  process.env.CDKTF_CHRONY_PROJECT_DIR = projectDir;
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "fleet");
  build(stack);
  app.synth();
  void Testing;
  // Each host's manifest, also as a file for `cdktf-chrony apply FILE` (as `inspect --manifest` writes it).
  const dir = path.join(outdir, "manifests");
  fs.mkdirSync(dir, { recursive: true });
  return Object.fromEntries(
    readOutdir(outdir).map(({ manifest }) => {
      const file = path.join(dir, `${manifest.id}.json`);
      fs.writeFileSync(file, JSON.stringify(manifest, null, 2));
      return [manifest.id, { file, manifest }];
    }),
  );
}

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI, as the provisioner and CI do. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    timeout: 300_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** chronyd's pid on a sandbox host, from its pid file. */
export function chronydPid(host: SandboxHost): number {
  return Number(fs.readFileSync(path.join(host.root, "run/chrony/chronyd.pid"), "utf8").trim());
}

export function hostFile(host: SandboxHost, relative: string): string {
  return path.join(host.root, relative);
}

/** The material of a key in a project's key store, for searching outputs for it. */
export function storedKeyMaterial(projectDir: string, keyId: number): Buffer {
  const line = fs.readFileSync(path.join(projectDir, ".chrony-keys", `key-${keyId}.line`), "utf8").trim();
  return Buffer.from(line.split(" ")[2].slice(4), "hex");
}
