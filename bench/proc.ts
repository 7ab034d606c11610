import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The built CLI, as the provisioner runs it. */
export const CLI = path.resolve(__dirname, "..", "lib", "cli", "main.js");

export interface TimedRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall clock from spawn to exit, in ms. */
  readonly ms: number;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly timeoutMs?: number;
  /** Discard output (for start-up timing, where reading pipes is part of the noise). */
  readonly quiet?: boolean;
}

/** Runs a program to completion and measures its wall clock; never throws for a non-zero exit. */
export function runTimed(file: string, args: readonly string[], options: RunOptions = {}): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, [...args], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ["ignore", options.quiet ? "ignore" : "pipe", options.quiet ? "ignore" : "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    const timer = options.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), options.timeoutMs) : undefined;
    child.once("error", (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.once("close", (code, signal) => {
      const ms = performance.now() - t0;
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), ms });
    });
  });
}

/** Runs `node CLI ...args`. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<TimedRun> {
  return runTimed(process.execPath, [CLI, ...args], options);
}

/** Like runTimed, but throws with the output when the program fails. */
export async function runChecked(file: string, args: readonly string[], options: RunOptions = {}): Promise<TimedRun> {
  const r = await runTimed(file, args, options);
  if (r.code !== 0) {
    throw new Error(
      `${path.basename(file)} ${args.join(" ")} exited ${r.code ?? r.signal}: ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join(" | ")}`,
    );
  }
  return r;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

/** Progress for the person running the bench: stderr, so stdout keeps the table. */
export function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

/** Runs `node CLI ...args`; throws with the output when it fails. */
export function runCheckedCli(args: readonly string[], options: RunOptions = {}): Promise<TimedRun> {
  return runChecked(process.execPath, [CLI, ...args], options);
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** utime, stime, cutime, cstime of a process in seconds (/proc/PID/stat), or undefined if it is gone. */
export function processCpu(pid: number | "self"): { self: number; children: number } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces) start at field 3.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const at = (n: number) => Number(fields[n - 3]) / CLOCK_TICKS;
  return { self: at(14) + at(15), children: at(16) + at(17) };
}

/** CPU seconds of this process's finished (waited-for) children so far. */
export function childrenCpuSeconds(): number {
  return processCpu("self")?.children ?? 0;
}

/** CPU seconds the whole machine has been busy (all cores, /proc/stat), for telling our load from others'. */
export function machineBusySeconds(): number {
  const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0];
  const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + (steal ?? 0)) / CLOCK_TICKS;
}

/** Microseconds to create (and write 4 KiB to) one file in `dir`: shows when the disk, not the code, is slow. */
export function fileCreationMicros(dir: string, files = 500): number {
  const probe = fs.mkdtempSync(`${dir.replace(/\/$/, "")}/fs-probe-`);
  const data = Buffer.alloc(4096, 120);
  try {
    const t0 = performance.now();
    for (let i = 0; i < files; i++) fs.writeFileSync(`${probe}/f${i}`, data);
    return ((performance.now() - t0) * 1000) / files;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

/**
 * CPU seconds so far of every deploy agent this CLI started (`main.js __agent SOCKET`), by pid: the
 * agents run detached, so their CPU is not in childrenCpuSeconds.
 */
export function agentCpuByPid(): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
    } catch {
      continue;
    }
    const argv = cmdline.split("\0");
    if (argv[1] !== CLI || argv[2] !== "__agent") continue;
    const cpu = processCpu(Number(entry));
    if (cpu) out.set(Number(entry), cpu.self);
  }
  return out;
}

/** CPU the agents spent between two readings of agentCpuByPid (an agent that started since counts in full). */
export function agentCpuBetween(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let total = 0;
  for (const [pid, cpu] of after) total += cpu - (before.get(pid) ?? 0);
  return total;
}
