import { promises as fs } from "node:fs";
import * as path from "node:path";

/** The pid a daemon wrote to its pid file, or undefined when the file is missing or holds no pid. */
export async function readPidFile(file: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch {
    return undefined;
  }
  const m = /^\s*(\d+)/.exec(text);
  const pid = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(pid) && pid > 1 ? pid : undefined;
}

/**
 * The argv of a live process, or undefined when it is gone or a zombie. (Here an exited daemon can
 * stay a zombie of init for seconds: `kill(pid, 0)` would still succeed, so it is no liveness test.)
 */
export async function liveArgv(pid: number): Promise<string[] | undefined> {
  try {
    const status = await fs.readFile(`/proc/${pid}/status`, "utf8");
    const state = /^State:\s*(\S)/m.exec(status)?.[1];
    if (state === undefined || state === "Z" || state === "X") return undefined;
    const raw = await fs.readFile(`/proc/${pid}/cmdline`, "utf8");
    if (raw === "") return undefined;
    return raw.replace(/\0+$/, "").split("\0");
  } catch {
    return undefined;
  }
}

/** Is this the chronyd started with `-f confFile`? */
export function isChronydArgv(argv: readonly string[], confFile: string): boolean {
  if (path.basename(argv[0] ?? "") !== "chronyd") return false;
  return argv.some((arg, i) => i > 0 && argv[i - 1] === "-f" && arg === confFile);
}

/**
 * Is this the sshd listener started with `-f configFile`? sshd rewrites its title in place
 * ("sshd: /usr/sbin/sshd -f CONFIG -E LOG [listener] ..."), so the check reads the joined text.
 */
export function isSshdArgv(argv: readonly string[], configFile: string): boolean {
  const text = argv.join(" ");
  if (!/^(sshd:|\/usr\/sbin\/sshd(\s|$))/.test(text)) return false;
  return text.includes(` -f ${configFile} `) || text.endsWith(` -f ${configFile}`);
}

/** The pid in `pidFile` when it names a live process accepted by `matches`. */
export async function runningPid(pidFile: string, matches: (argv: readonly string[]) => boolean): Promise<number | undefined> {
  const pid = await readPidFile(pidFile);
  if (pid === undefined) return undefined;
  const argv = await liveArgv(pid);
  return argv !== undefined && matches(argv) ? pid : undefined;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Wait until `pid` is gone (or a zombie); false when it is still alive after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await liveArgv(pid)) === undefined) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

export type StopOutcome =
  { readonly state: "stopped"; readonly pid: number } | { readonly state: "killed"; readonly pid: number } | { readonly state: "not-running" };

/**
 * Stop the process named by `pidFile`, only if it is the one `matches` describes: SIGTERM, wait, and
 * SIGKILL if it is still alive after `timeoutMs`.
 */
export async function stopByPidFile(pidFile: string, matches: (argv: readonly string[]) => boolean, timeoutMs: number): Promise<StopOutcome> {
  const pid = await runningPid(pidFile, matches);
  if (pid === undefined) return { state: "not-running" };
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return { state: "stopped", pid };
  }
  if (await waitForExit(pid, timeoutMs)) return { state: "stopped", pid };
  const argv = await liveArgv(pid);
  if (argv !== undefined && matches(argv)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Exited between the check and the signal.
    }
    await waitForExit(pid, 5000);
  }
  return { state: "killed", pid };
}
