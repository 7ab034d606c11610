import { promises as fs } from "node:fs";
import * as path from "node:path";
import { UserError } from "../errors";
import { stopChronyd } from "./chronyd";
import { exists } from "./files";
import { hostPaths } from "./layout";
import { mapLimit } from "../map-limit";
import type { StopOutcome } from "./proc";
import { requireRoot } from "./requirements";
import { sandboxDirOf } from "./sandbox-dir";
import { stopSshd } from "./sshd";
import { requireManifest } from "./status";

export interface SandboxDownOptions {
  /** Remove the sandbox folder after stopping its processes. @default false */
  readonly purge?: boolean;
}

export interface HostDownReport {
  readonly id: string;
  readonly sshd: StopOutcome;
  readonly chronyd: StopOutcome;
}

export interface SandboxDownResult {
  readonly dir: string;
  readonly hosts: readonly HostDownReport[];
  /** The folder was removed; otherwise its files are kept for inspection or a later `up`. */
  readonly purged: boolean;
}

/** Remove what 'up' made, then the folder itself (up only adopts a new or empty one). */
async function purge(dir: string): Promise<void> {
  for (const entry of ["hosts", "controller", "sandbox.json"]) {
    await fs.rm(path.join(dir, entry), { recursive: true, force: true });
  }
  try {
    await fs.rmdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
    throw new UserError(`stopped the sandbox and removed its files, but ${dir} holds other files now: remove the folder yourself`);
  }
}

/**
 * Stop exactly the daemons of the sandbox in `dir`: each by the pid in its pid file, and only after
 * /proc shows it is that host's sshd or chronyd (never by name). Files stay unless `purge` is set.
 */
export async function sandboxDown(dirArg: string, options: SandboxDownOptions = {}): Promise<SandboxDownResult> {
  requireRoot("sandbox down");
  const dir = sandboxDirOf(dirArg);
  if (!(await exists(dir))) throw new UserError(`no sandbox in ${dir}: the folder does not exist`);
  const manifest = await requireManifest(dir);
  const hosts = await mapLimit(manifest.hosts, 16, async (host): Promise<HostDownReport> => {
    const paths = hostPaths(dir, host.id);
    const [chronyd, sshd] = await Promise.all([stopChronyd(paths), stopSshd(paths)]);
    return { id: host.id, sshd, chronyd };
  });
  if (options.purge) await purge(dir);
  return { dir, hosts, purged: options.purge === true };
}
