import { promises as fs } from "node:fs";
import * as path from "node:path";
import { UserError } from "../errors";
import { initialChronyConf } from "./chrony-conf";
import { ensureDir, exists, writeIfChanged } from "./files";
import type { ControllerPaths, HostPaths, SandboxHost } from "./layout";
import { runLocal } from "./local-exec";
import { renderServiceScript } from "./service-script";
import { renderSshdConfig } from "./sshd-config";
import type { SystemUser } from "./system-user";

export interface HostFilesContext {
  /** h1: serves time to the others. */
  readonly timeServer: SandboxHost;
  readonly controller: ControllerPaths;
  readonly chronyUser: SystemUser;
}

export interface HostFilesResult {
  /** The host's chrony files were written for the first time. */
  readonly created: boolean;
  /** sshd_config differed from what it should be (a running sshd needs a restart). */
  readonly sshdConfigChanged: boolean;
  /** `ssh-ed25519 AAAA...` of the host key. */
  readonly hostPublicKey: string;
}

async function ensureHostKey(host: SandboxHost, paths: HostPaths): Promise<string> {
  const pub = `${paths.hostKey}.pub`;
  if (!(await exists(paths.hostKey)) || !(await exists(pub))) {
    await fs.rm(paths.hostKey, { force: true });
    await fs.rm(pub, { force: true });
    const r = await runLocal("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `sandbox-${host.id}`, "-f", paths.hostKey]);
    if (r.code !== 0) {
      throw new UserError(`ssh-keygen failed for the host key of ${host.id} (${paths.hostKey}): ${r.stderr.trim()}`);
    }
  }
  const fields = (await fs.readFile(pub, "utf8")).trim().split(/\s+/);
  return `${fields[0]} ${fields[1]}`;
}

/**
 * Make one host's folders, permissions, config files and host key right. chrony.conf, chrony.keys
 * and the sources file are written only once: later they belong to whatever deploys to the host.
 */
export async function ensureHostFiles(host: SandboxHost, paths: HostPaths, ctx: HostFilesContext): Promise<HostFilesResult> {
  const chrony = ctx.chronyUser;
  const r = paths.root;
  await ensureDir(paths.hostDir, 0o755);
  for (const dir of [
    r,
    `${r}/etc`,
    paths.chronyDir,
    paths.sourcesDir,
    paths.confDir,
    `${r}/var`,
    `${r}/var/lib`,
    `${r}/var/log`,
    `${r}/run`,
    `${r}/usr`,
    `${r}/usr/local`,
    path.dirname(paths.serviceScript),
  ]) {
    await ensureDir(dir, 0o755);
  }
  // chronyd writes these after dropping root; it refuses a socket folder with bits beyond 0770.
  await ensureDir(paths.varLibDir, 0o755, chrony.uid, chrony.gid);
  await ensureDir(paths.logDir, 0o755, chrony.uid, chrony.gid);
  await ensureDir(paths.runDir, 0o750, chrony.uid, chrony.gid);
  await ensureDir(paths.sshdDir, 0o755);

  const created = !(await exists(paths.confFile));
  if (created) {
    await writeIfChanged(paths.confFile, initialChronyConf(host, paths, ctx.timeServer), 0o644);
  }
  if (!(await exists(paths.keysFile))) {
    // chronyc rekey rereads the keys after chronyd dropped root: group-readable by chrony's group only.
    await fs.writeFile(paths.keysFile, "", { mode: 0o640 });
    await fs.chown(paths.keysFile, 0, chrony.gid);
    await fs.chmod(paths.keysFile, 0o640);
  }
  await writeIfChanged(paths.serviceScript, renderServiceScript(host, paths, chrony.name), 0o755);
  const hostPublicKey = await ensureHostKey(host, paths);
  const sshdConfigChanged = await writeIfChanged(paths.sshdConfig, renderSshdConfig(host, paths, ctx.controller), 0o644);
  return { created, sshdConfigChanged, hostPublicKey };
}
