/**
 * `npm run bench` — every benchmark family, or those named: `node dist/bench/run.js synth cli`.
 * Prints a table (stdout) and writes bench/results.json; progress goes to stderr.
 * Families: cli, synth, plan, cmdmon, apply, drift (apply and drift share one 50-host sandbox), status
 * (a 200-host sandbox of its own).
 *
 * The run uses a private copy of dist/ (taken right after the build), so that a rebuild of the
 * working tree while the benchmarks run cannot mix two versions of the code in one run.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { runApplyBench } from "./apply";
import { runCliStartBench } from "./cli-start";
import { runCmdmonBench } from "./cmdmon";
import { runDriftBench } from "./drift";
import { runPlanBench } from "./plan";
import { score, type ScoredResult } from "./goals";
import { progress } from "./proc";
import type { BenchResult } from "./result";
import { BenchFleet } from "./sandbox-fleet";
import { runStatusBench } from "./status";
import { runSynthBench } from "./synth";

const FAMILIES = ["cli", "synth", "plan", "cmdmon", "apply", "drift", "status"] as const;
type Family = (typeof FAMILIES)[number];

const SNAPSHOT_ENV = "CDKTF_CHRONY_BENCH_SNAPSHOT";
const RESULTS_ENV = "CDKTF_CHRONY_BENCH_RESULTS";
const RESULTS_FILE = process.env[RESULTS_ENV] ?? path.resolve(__dirname, "..", "..", "bench", "results.json");

/**
 * Copies dist/ (with package.json and a node_modules link) to a temporary folder and runs this
 * script from there; returns its exit code. The copy is removed afterwards.
 */
async function runFromSnapshot(argv: readonly string[]): Promise<number> {
  const projectRoot = path.resolve(__dirname, "..", "..");
  const snapshot = fs.mkdtempSync(path.join(tmpdir(), "cdktf-chrony-bench-dist-"));
  try {
    fs.cpSync(path.join(projectRoot, "dist"), path.join(snapshot, "dist"), { recursive: true });
    fs.copyFileSync(path.join(projectRoot, "package.json"), path.join(snapshot, "package.json"));
    fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(snapshot, "node_modules"), "dir");
    // Ctrl-C reaches the child too; it stops its sandbox and exits, then this process cleans up.
    const ignore = () => undefined;
    process.on("SIGINT", ignore);
    process.on("SIGTERM", ignore);
    const child = spawn(process.execPath, [path.join(snapshot, "dist", "bench", "run.js"), ...argv], {
      stdio: "inherit",
      env: { ...process.env, [SNAPSHOT_ENV]: snapshot, [RESULTS_ENV]: RESULTS_FILE },
    });
    return await new Promise<number>((resolve) => child.once("close", (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  } finally {
    fs.rmSync(snapshot, { recursive: true, force: true });
  }
}

function parseFamilies(argv: readonly string[]): Family[] {
  if (argv.length === 0) return [...FAMILIES];
  for (const a of argv) {
    if (!(FAMILIES as readonly string[]).includes(a)) throw new Error(`unknown benchmark '${a}': use any of ${FAMILIES.join(", ")}`);
  }
  return FAMILIES.filter((f) => argv.includes(f));
}

function formatValue(r: ScoredResult): string {
  return String(r.value);
}

function printTable(results: readonly ScoredResult[]): void {
  const short = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const rows = [
    ["NAME", "VALUE", "UNIT", "GOAL", "BASELINE", "MET?"],
    ...results.map((r) => [r.name, formatValue(r), r.unit, r.goal, short(r.baseline, 72), r.met === null ? "-" : r.met ? "yes" : "NO"]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]) =>
    row
      .map((cell, c) => (c === 1 ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${line(rows[0])}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
  for (const row of rows.slice(1)) process.stdout.write(`${line(row)}\n`);
  process.stdout.write("\n");
  for (const r of results) process.stdout.write(`${r.name}\n  baseline: ${r.baseline}\n  note: ${r.note}\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  const families = parseFamilies(argv);
  const started = performance.now();
  const loadAtStart = loadavg()[0];
  const results: BenchResult[] = [];
  const failures: string[] = [];
  const attempt = async (family: string, run: () => Promise<BenchResult[]>) => {
    const t0 = performance.now();
    progress(`${family}: start`);
    try {
      results.push(...(await run()));
      progress(`${family}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      failures.push(`${family}: ${message}`);
      progress(`${family}: FAILED: ${message}`);
    }
  };

  if (families.includes("cli")) await attempt("cli", runCliStartBench);
  if (families.includes("synth")) await attempt("synth", runSynthBench);
  if (families.includes("plan")) await attempt("plan", runPlanBench);
  if (families.includes("cmdmon")) await attempt("cmdmon", runCmdmonBench);
  if (families.includes("apply") || families.includes("drift")) {
    let fleet: BenchFleet | undefined;
    try {
      fleet = await BenchFleet.start();
      if (families.includes("apply")) await attempt("apply", () => runApplyBench(fleet!));
      if (families.includes("drift")) await attempt("drift", () => runDriftBench(fleet!));
    } catch (err) {
      failures.push(`sandbox: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      try {
        await fleet?.stop();
      } catch (err) {
        failures.push(`sandbox down: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  if (families.includes("status")) await attempt("status", runStatusBench);

  const scored = results.map(score);
  printTable(scored);
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(scored, null, 2)}\n`);
  const missed = scored.filter((r) => r.met === false).map((r) => r.name);
  process.stdout.write(
    `\n${scored.length} figures (${families.join(", ")}) in ${((performance.now() - started) / 1000).toFixed(0)} s (1-minute load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end, on ${cpus().length} CPUs), written to ${path.relative(process.cwd(), RESULTS_FILE) || RESULTS_FILE}; goals missed: ${missed.length === 0 ? "none" : missed.join(", ")}\n`,
  );
  if (failures.length > 0) {
    process.stdout.write(`\nFAILED:\n${failures.map((f) => `  ${f}`).join("\n")}\n`);
    return 1;
  }
  return 0;
}

const entry = process.env[SNAPSHOT_ENV] ? main(process.argv.slice(2)) : runFromSnapshot(process.argv.slice(2));
entry.then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
