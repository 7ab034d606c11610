import { UserError } from "../errors";
import type { HostPaths, SandboxHost } from "./layout";
import { runLocal } from "./local-exec";
import { isChronydArgv, runningPid, stopByPidFile, type StopOutcome } from "./proc";
import { SERVICE_WAIT_SECONDS } from "./service-script";

export function chronydPid(paths: HostPaths): Promise<number | undefined> {
  return runningPid(paths.pidFile, (argv) => isChronydArgv(argv, paths.confFile));
}

/** Start the host's chronyd through its service script (the same path a deploy's restart takes). */
export async function startChronyd(host: SandboxHost, paths: HostPaths): Promise<number> {
  const r = await runLocal(paths.serviceScript, ["start"], (SERVICE_WAIT_SECONDS + 10) * 1000);
  const pid = await chronydPid(paths);
  if (r.code !== 0 || pid === undefined) {
    const detail = r.stderr.trim().split("\n").filter(Boolean).join("; ") || `exit ${r.code}`;
    throw new UserError(`chronyd of ${host.id} failed to start: ${detail}`);
  }
  return pid;
}

export function stopChronyd(paths: HostPaths): Promise<StopOutcome> {
  return stopByPidFile(paths.pidFile, (argv) => isChronydArgv(argv, paths.confFile), SERVICE_WAIT_SECONDS * 1000);
}

/** The parts of `chronyc -c tracking` a status line needs. */
export interface TrackingSummary {
  /** Reference ID as 8 hex digits, e.g. `7F000001`; `7F7F0101` is chronyd's local clock. */
  readonly refId: string;
  readonly refName: string;
  readonly stratum: number;
  /** Seconds; positive when the system clock is fast. */
  readonly systemTimeOffset: number;
  readonly leapStatus: string;
}

/** Ask chronyd over its Unix socket; undefined when it does not answer. */
export async function queryTracking(paths: HostPaths): Promise<TrackingSummary | undefined> {
  const r = await runLocal("chronyc", ["-n", "-c", "-h", paths.socket, "tracking"], 5000);
  if (r.code !== 0) return undefined;
  const f = r.stdout.trim().split(",");
  if (f.length < 14) return undefined;
  return {
    refId: f[0],
    refName: f[1],
    stratum: Number(f[2]),
    systemTimeOffset: Number(f[4]),
    leapStatus: f[13],
  };
}
