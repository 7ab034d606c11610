import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as dgram from "node:dgram";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Real chronyd 4.3 processes for the integration tests and the benchmarks, each with its own folder
// (config, pidfile, Unix socket, log) and its own ports, on loopback only. `-x` leaves the system clock alone.
// Every daemon is stopped by its pid, never by name; stop() waits until it has exited.

export const CHRONYD = "/usr/sbin/chronyd";
export const CHRONYC = "chronyc";

export interface StartChronydOptions {
  /** Part of the temporary folder's name, to tell daemons apart in `ps` and on disk. */
  readonly name: string;
  /** Directives besides the ones the helper writes (port, cmdport, bindcmdaddress, pidfile). */
  readonly directives?: readonly string[] | ((dir: string) => readonly string[]);
  /** Addresses to serve the command protocol on over UDP; empty for none. @default ["127.0.0.1", "::1"] */
  readonly cmdAddresses?: readonly string[];
  /** @default a free port (0 = no NTP server) */
  readonly ntpPort?: number;
  /** @default a free port */
  readonly cmdPort?: number;
}

export interface RunningChronyd {
  readonly pid: number;
  readonly dir: string;
  readonly confPath: string;
  readonly socketPath: string;
  readonly logPath: string;
  readonly ntpPort: number;
  readonly cmdPort: number;
  /** `chronyc` against this daemon's Unix socket (every command allowed). */
  chronyc(args: readonly string[]): Promise<ChronycRun>;
  stop(): Promise<void>;
}

export interface ChronycRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

const running = new Map<number, ChildProcess>();

// Last resort if a test run dies without its afterAll: signal exactly the daemons started here.
process.once("exit", () => {
  for (const pid of running.keys()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

export function runChronyc(args: readonly string[], timeoutMs = 10_000): Promise<ChronycRun> {
  return new Promise((resolve) => {
    execFile(CHRONYC, [...args], { timeout: timeoutMs, encoding: "utf8" }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : 1) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}

/** A UDP port free on both 127.0.0.1 and ::1 right now (chronyd binds both for cmdport). */
export async function freeUdpPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const v4 = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => v4.bind(0, "127.0.0.1", resolve));
    const port = (v4.address() as AddressInfo).port;
    const v6 = dgram.createSocket({ type: "udp6", ipv6Only: true });
    const v6Free = await new Promise<boolean>((resolve) => {
      v6.once("error", () => resolve(false));
      v6.bind(port, "::1", () => resolve(true));
    });
    await new Promise<void>((resolve) => v4.close(() => resolve()));
    if (v6Free) await new Promise<void>((resolve) => v6.close(() => resolve()));
    if (v6Free) return port;
  }
  throw new Error("no free UDP port found on 127.0.0.1 and ::1 after 50 tries");
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, failFast: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failure = failFast();
    if (failure !== undefined) throw new Error(failure);
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startChronyd(options: StartChronydOptions): Promise<RunningChronyd> {
  const dir = await mkdtemp(join(tmpdir(), `cdktf-chrony-${options.name}-`));
  const confPath = join(dir, "chrony.conf");
  const socketPath = join(dir, "chronyd.sock");
  const logPath = join(dir, "chronyd.log");
  const pidPath = join(dir, "chronyd.pid");
  const ntpPort = options.ntpPort ?? (await freeUdpPort());
  const cmdAddresses = options.cmdAddresses ?? ["127.0.0.1", "::1"];
  const cmdPort = cmdAddresses.length === 0 ? 0 : (options.cmdPort ?? (await freeUdpPort()));
  const extra = typeof options.directives === "function" ? options.directives(dir) : (options.directives ?? []);
  const lines = [
    ...extra,
    `port ${ntpPort}`,
    `cmdport ${cmdPort}`,
    ...cmdAddresses.map((a) => `bindcmdaddress ${a}`),
    // Without these, chronyd would use /run/chrony: another daemon's socket and pidfile.
    `bindcmdaddress ${socketPath}`,
    `pidfile ${pidPath}`,
  ];
  await writeFile(confPath, `${lines.join("\n")}\n`);

  // -n: stay in the foreground, so the child's pid is chronyd's. -u root: no privilege drop, so
  // the 0700 temp folder stays usable for the socket.
  const child = spawn(CHRONYD, ["-x", "-n", "-u", "root", "-f", confPath, "-l", logPath], { stdio: "ignore" });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${CHRONYD}`);
  running.set(pid, child);
  let exit: string | undefined;
  child.once("exit", (code, signal) => {
    running.delete(pid);
    exit = `chronyd ${options.name} (pid ${pid}) exited with ${signal ?? `code ${code}`}`;
  });

  const stop = async (): Promise<void> => {
    if (running.has(pid)) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      process.kill(pid, "SIGTERM");
      const timer = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), 10_000).unref());
      if ((await Promise.race([exited, timer])) === "late") {
        process.kill(pid, "SIGKILL");
        await exited;
      }
    }
    await rm(dir, { recursive: true, force: true });
  };

  const daemon: RunningChronyd = {
    pid,
    dir,
    confPath,
    socketPath,
    logPath,
    ntpPort,
    cmdPort,
    chronyc: (args) => runChronyc(["-h", socketPath, ...args]),
    stop,
  };
  try {
    await waitFor(
      `chronyd ${options.name} to answer on ${socketPath}`,
      async () => existsSync(socketPath) && (await daemon.chronyc(["-c", "tracking"])).code === 0,
      20_000,
      () => (exit === undefined ? undefined : `${exit} before it was ready: ${logTail(logPath)}`),
    );
  } catch (error) {
    const log = await readFile(logPath, "utf8").catch(() => "(no log)");
    await stop();
    throw new Error(`${(error as Error).message}\n${log}`, { cause: error });
  }
  return daemon;
}

function logTail(path: string): string {
  try {
    return readFileSync(path, "utf8").trim().split("\n").slice(-3).join(" | ");
  } catch {
    return "(no log)";
  }
}

/** The daemon under test and what it talks to. */
export interface TestFleet {
  /** `local stratum 5` + `allow all`: the reachable server and the peer's partner. */
  readonly reference: RunningChronyd;
  /**
   * Sources: `localhost` (a hostname, reachable, `offset 0.01` so a falseticker), `::1` (reachable,
   * key 1 SHA256), `127.0.0.3` on a closed port (unreachable, noselect), peer `127.0.0.2` (answered
   * by the reference), refclocks SHM 0 and SHM 1 refid GPS, plus `local stratum 10`.
   * Command protocol on 127.0.0.1 and ::1.
   */
  readonly daemon: RunningChronyd;
  readonly closedPort: number;
  stop(): Promise<void>;
}

export async function startTestFleet(name: string): Promise<TestFleet> {
  const key = `1 SHA256 HEX:${randomBytes(32).toString("hex").toUpperCase()}`;
  const keyfile = join(tmpdir(), `cdktf-chrony-${name}-${randomBytes(4).toString("hex")}.keys`);
  await writeFile(keyfile, `${key}\n`, { mode: 0o600 });
  const reference = await startChronyd({
    name: `${name}-reference`,
    cmdAddresses: [],
    directives: ["local stratum 5", "allow all", `keyfile ${keyfile}`],
  });
  let daemon: RunningChronyd;
  const closedPort = await freeUdpPort();
  try {
    daemon = await startChronyd({
      name: `${name}-daemon`,
      directives: [
        // 10 ms off the others: chrony marks it a falseticker, and offsets are not all near zero.
        `server localhost port ${reference.ntpPort} iburst minpoll 0 maxpoll 2 offset 0.01`,
        `server ::1 port ${reference.ntpPort} iburst minpoll 0 maxpoll 2 key 1`,
        `server 127.0.0.3 port ${closedPort} iburst noselect`,
        `peer 127.0.0.2 port ${reference.ntpPort} minpoll 0 maxpoll 2`,
        "refclock SHM 0",
        "refclock SHM 1 refid GPS",
        "local stratum 10",
        `keyfile ${keyfile}`,
      ],
    });
  } catch (error) {
    await reference.stop();
    await rm(keyfile, { force: true });
    throw error;
  }
  return {
    reference,
    daemon,
    closedPort,
    stop: async () => {
      await Promise.all([daemon.stop(), reference.stop()]);
      await rm(keyfile, { force: true });
    },
  };
}

/** Polls until `check` holds (e.g. the daemon has selected a source); fails with `what` after the timeout. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  await waitFor(what, check, timeoutMs, () => undefined);
}
