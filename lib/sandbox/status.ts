import { UserError } from "../errors";
import { chronydPid, queryTracking, type TrackingSummary } from "./chronyd";
import { hostPaths, type SandboxHost, type SandboxManifest } from "./layout";
import { readManifest } from "./manifest";
import { mapLimit } from "../map-limit";
import { sandboxDirOf } from "./sandbox-dir";
import { sshdPid } from "./sshd";

export interface DaemonStatus {
  readonly running: boolean;
  /** Set when running. */
  readonly pid?: number;
}

export interface SandboxHostStatus extends SandboxHost {
  readonly sshd: DaemonStatus;
  readonly chronyd: DaemonStatus;
  /** chronyd's tracking over its Unix socket; absent when not asked for, not running, or not answering. */
  readonly tracking?: TrackingSummary;
}

export interface SandboxStatusResult {
  readonly dir: string;
  readonly hosts: readonly SandboxHostStatus[];
  readonly controller: SandboxManifest["controller"];
  /** Every host has both daemons running. */
  readonly healthy: boolean;
}

export interface SandboxStatusOptions {
  /** Also ask each chronyd for tracking (needs root: the socket is root/_chrony only). @default - true when root */
  readonly tracking?: boolean;
}

/** The manifest of the sandbox in `dir`, or a `UserError` saying how to make one. */
export async function requireManifest(dir: string): Promise<SandboxManifest> {
  const manifest = await readManifest(dir);
  if (!manifest) {
    throw new UserError(`no sandbox in ${dir} (no sandbox.json there): start one with 'cdktf-chrony sandbox up --dir ${dir}'`);
  }
  return manifest;
}

function status(pid: number | undefined): DaemonStatus {
  return pid === undefined ? { running: false } : { running: true, pid };
}

/** Per host: is its sshd running, is its chronyd running (and what it tracks). */
export async function sandboxStatus(dirArg: string, options: SandboxStatusOptions = {}): Promise<SandboxStatusResult> {
  const dir = sandboxDirOf(dirArg);
  const manifest = await requireManifest(dir);
  const withTracking = options.tracking ?? (typeof process.getuid !== "function" || process.getuid() === 0);
  const hosts = await mapLimit(manifest.hosts, 16, async (host): Promise<SandboxHostStatus> => {
    const paths = hostPaths(dir, host.id);
    const [sshd, chronyd] = await Promise.all([sshdPid(paths), chronydPid(paths)]);
    const tracking = withTracking && chronyd !== undefined ? await queryTracking(paths) : undefined;
    return { ...host, sshd: status(sshd), chronyd: status(chronyd), ...(tracking ? { tracking } : {}) };
  });
  return {
    dir,
    hosts,
    controller: manifest.controller,
    healthy: hosts.every((h) => h.sshd.running && h.chronyd.running),
  };
}
