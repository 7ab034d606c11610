import { promises as fs } from "node:fs";
import { UserError } from "../errors";
import type { HostPaths, SandboxHost } from "./layout";
import { runLocal } from "./local-exec";
import { isSshdArgv, runningPid, sleep, stopByPidFile, type StopOutcome } from "./proc";

export const SSHD = "/usr/sbin/sshd";
const START_WAIT_MS = 5000;
const STOP_WAIT_MS = 10_000;
const FATAL_LOG = /Cannot bind any address|^fatal|Missing privilege separation|Unable to load host key|no hostkeys available/im;

export function sshdPid(paths: HostPaths): Promise<number | undefined> {
  return runningPid(paths.sshdPidFile, (argv) => isSshdArgv(argv, paths.sshdConfig));
}

async function logSince(file: string, offset: number): Promise<string> {
  const text = await fs.readFile(file, "utf8").catch(() => "");
  return text
    .slice(offset)
    .trim()
    .split("\n")
    .filter(Boolean)
    .slice(-3)
    .map((l) => l.replace(/\.$/, ""))
    .join("; ");
}

/** Start the host's sshd (it daemonizes) and wait for its pid file; returns the listener's pid. */
export async function startSshd(host: SandboxHost, paths: HostPaths): Promise<number> {
  // sshd's privilege-separated children chroot here; on a host without a running sshd it may be missing.
  await fs.mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  await fs.rm(paths.sshdPidFile, { force: true });
  const offset = (await fs.stat(paths.sshdLog).catch(() => undefined))?.size ?? 0;
  // sshd re-executes itself for each connection, which needs an absolute path.
  const r = await runLocal(SSHD, ["-f", paths.sshdConfig, "-E", paths.sshdLog]);
  const where = `${host.address}:${host.sshPort}`;
  if (r.code !== 0) {
    const detail = (await logSince(paths.sshdLog, offset)) || r.stderr.trim() || `exit ${r.code}`;
    throw new UserError(`sshd of ${host.id} (${where}) failed to start: ${detail} (see ${paths.sshdLog})`);
  }
  // sshd 9.2 daemonizes before it binds, so a bind failure shows only in its log, not in its exit code.
  const deadline = Date.now() + START_WAIT_MS;
  for (;;) {
    const pid = await sshdPid(paths);
    if (pid !== undefined) return pid;
    const detail = await logSince(paths.sshdLog, offset);
    const failed = FATAL_LOG.test(detail);
    if (failed || Date.now() > deadline) {
      const hint = /already in use/i.test(detail)
        ? `: another process (another sandbox?) listens on ${where}; use another --first-address`
        : ` (see ${paths.sshdLog})`;
      const what = failed ? "failed to start" : `did not write ${paths.sshdPidFile} within ${START_WAIT_MS / 1000} s`;
      throw new UserError(`sshd of ${host.id} (${where}) ${what}: ${detail || "no log output"}${hint}`);
    }
    await sleep(50);
  }
}

export function stopSshd(paths: HostPaths): Promise<StopOutcome> {
  return stopByPidFile(paths.sshdPidFile, (argv) => isSshdArgv(argv, paths.sshdConfig), STOP_WAIT_MS);
}
