import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { BenchResult } from "./result";
import { fileCreationMicros, median, progress, round, runChecked } from "./proc";
import { SYNTH_KEY_VARIABLES, serverCount, type SynthAppReport } from "./synth-app";

// Whole-process synth: a node process builds the app and calls app.synth() into a temporary
// outdir, as `cdktf synth` runs an app. The baseline is a bare cdktf stack of as many
// `terraform_data` resources with payloads of the same size, measured in the same run.

const SYNTH_APP = path.join(__dirname, "synth-app.js");
const SIZES = [1000, 5000, 10000] as const;
const RUNS = 5;
/** The fixed cost of a synth process (node, cdktf and our modules, an app of a few hosts), for per-host growth. */
const FIXED_HOSTS = 10;
/** Resources besides the push resources in the chrony app: the rollout's two gates. */
const GATES = 2;

interface Measured {
  readonly ms: number;
  readonly report: SynthAppReport;
}

async function synthOnce(kind: "chrony" | "bare", hosts: number, work: string, env: NodeJS.ProcessEnv, pad = 0): Promise<Measured> {
  const outdir = fs.mkdtempSync(path.join(work, `${kind}-${hosts}-`));
  // A fresh project folder per run: the fingerprint salt (and nothing else) is created there.
  const projectDir = fs.mkdtempSync(path.join(work, "project-"));
  try {
    const r = await runChecked(process.execPath, [SYNTH_APP, kind, String(hosts), outdir, String(pad)], {
      env: { ...env, CDKTF_CHRONY_PROJECT_DIR: projectDir },
      timeoutMs: 300_000,
    });
    const report = JSON.parse(r.stdout.trim().split("\n").pop()!) as SynthAppReport;
    if (report.hosts !== hosts) throw new Error(`synth-app ${kind} reported ${report.hosts} hosts, expected ${hosts}`);
    // Checked after the timed process: one resource per host in cdk.tf.json.
    const config = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "fleet", "cdk.tf.json"), "utf8")) as {
      resource?: Record<string, Record<string, unknown>>;
    };
    const resources = Object.values(config.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
    const expected = kind === "chrony" ? hosts + GATES : hosts;
    if (resources !== expected) throw new Error(`${kind} synth wrote ${resources} resources, expected ${expected}`);
    if (kind === "chrony") {
      const keyStore = path.join(projectDir, ".chrony-keys");
      const stored = fs.existsSync(keyStore) ? fs.readdirSync(keyStore).filter((f) => f.startsWith("key-")) : [];
      if (stored.length > 0)
        throw new Error(`synth created key store files (${stored.join(", ")}): the bench keys should come from environment variables`);
    }
    return { ms: r.ms, report };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.rmSync(projectDir, { recursive: true, force: true });
  }
}

const mb = (kb: number) => round(kb / 1024, 1);

export async function synthOnceKeep(
  kind: "chrony" | "chrony-no-rollout" | "bare",
  hosts: number,
  work: string,
  env: NodeJS.ProcessEnv,
  pad = 0,
): Promise<string> {
  const outdir = fs.mkdtempSync(path.join(work, `${kind}-${hosts}-kept-`));
  const projectDir = fs.mkdtempSync(path.join(work, "project-"));
  await runChecked(process.execPath, [SYNTH_APP, kind, String(hosts), outdir, String(pad)], {
    env: { ...env, CDKTF_CHRONY_PROJECT_DIR: projectDir },
    timeoutMs: 300_000,
  });
  return outdir;
}

export async function runSynthBench(): Promise<BenchResult[]> {
  const work = fs.mkdtempSync(path.join(tmpdir(), "cdktf-chrony-bench-synth-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [SYNTH_KEY_VARIABLES[0]]: `HEX:${randomBytes(32).toString("hex").toUpperCase()}`,
    [SYNTH_KEY_VARIABLES[1]]: `HEX:${randomBytes(16).toString("hex").toUpperCase()}`,
  };
  const results: BenchResult[] = [];
  try {
    // Warm the file cache (cdktf, constructs and our modules) so the first timed run is not a cold read.
    await synthOnce("chrony", 50, work, env);
    await synthOnce("bare", 50, work, env);
    // The fixed cost of a process (node, modules, a tiny app): taken off before per-host growth.
    const fixed = { chrony: [] as number[], bare: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      fixed.chrony.push((await synthOnce("chrony", FIXED_HOSTS, work, env)).report.cpuMs);
      fixed.bare.push((await synthOnce("bare", FIXED_HOSTS, work, env)).report.cpuMs);
    }
    const cpuPerHost: Record<number, { chrony: number; bare: number }> = {};
    for (const hosts of SIZES) {
      // Pad the bare resources to the same cdk.tf.json bytes per host as ours: measure both unpadded once.
      progress(`synth: ${hosts} hosts, calibrating the baseline's payload size`);
      const probeChrony = await synthOnce("chrony", hosts, work, env);
      const probeBare = await synthOnce("bare", hosts, work, env, 0);
      const pad = Math.max(0, Math.round((probeChrony.report.stackBytes - probeBare.report.stackBytes) / hosts));
      const chrony: Measured[] = [];
      const bare: Measured[] = [];
      const fsProbe: number[] = [];
      // Interleaved, so load from anything else on the machine falls on both sides alike.
      for (let i = 0; i < RUNS; i++) {
        progress(`synth: ${hosts} hosts, run ${i + 1}/${RUNS}`);
        fsProbe.push(fileCreationMicros(work));
        chrony.push(await synthOnce("chrony", hosts, work, env));
        bare.push(await synthOnce("bare", hosts, work, env, pad));
      }
      const cMs = median(chrony.map((m) => m.ms));
      const bMs = median(bare.map((m) => m.ms));
      const cCpu = median(chrony.map((m) => m.report.cpuMs));
      const bCpu = median(bare.map((m) => m.report.cpuMs));
      cpuPerHost[hosts] = { chrony: (cCpu - median(fixed.chrony)) / hosts, bare: (bCpu - median(fixed.bare)) / hosts };
      const cRss = median(chrony.map((m) => m.report.maxRssKb));
      const bRss = median(bare.map((m) => m.report.maxRssKb));
      const c = chrony[0].report;
      const b = bare[0].report;
      const inProcess = (ms: readonly Measured[]) =>
        `construct ${round(median(ms.map((m) => m.report.constructMs)) / 1000, 2)} s + app.synth() ${round(median(ms.map((m) => m.report.synthMs)) / 1000, 2)} s`;
      const runsText = (ms: readonly Measured[]) => ms.map((m) => round(m.ms / 1000, 2)).join(", ");
      const cpuRuns = (ms: readonly Measured[]) => ms.map((m) => round(m.report.cpuMs / 1000, 2)).join(", ");
      const fsText = `creating a 4 KiB file in ${work}: ${fsProbe.map((us) => round(us, 0)).join(", ")} µs (probe before each run)`;
      const app = `${hosts} ChronyHosts in two tiers (${serverCount(hosts)} servers; clients in a rollout of 3 waves with 2 gates; 4 sources each: 2 keyed servers that are ChronyHosts, 1 pool, 1 address; 2 keys each from env vars)`;
      const bareText = `bare cdktf stack of ${hosts} terraform_data (3 triggers with real sha256 digests, local-exec provisioner, +${pad} B payload each to match our cdk.tf.json bytes)`;
      results.push({
        name: `synth.${hosts}.ratio`,
        value: round(cCpu / bCpu, 2),
        unit: "x",
        baseline: `${bareText}: ${round(bCpu / 1000, 2)} s CPU median of ${RUNS} (${cpuRuns(bare)}), ${round(bMs / 1000, 2)} s wall; cdk.tf.json ${b.stackBytes} B`,
        note: `${app}: ${round(cCpu / 1000, 2)} s CPU median of ${RUNS} (${cpuRuns(chrony)}), ${round(cMs / 1000, 2)} s wall (${runsText(chrony)} vs baseline ${runsText(bare)}): wall-clock ratio ${round(cMs / bMs, 2)}x. CPU of the whole process (user + system, GC threads included), since the wall clock on this shared machine mostly measures other load; ${inProcess(chrony)} vs baseline ${inProcess(bare)}; cdk.tf.json ${c.stackBytes} B + ${c.besideFiles} other file(s) in the stack folder, ${c.besideBytes} B (the host manifests); ${fsText}`,
      });
      if (hosts === 10000 || hosts === 5000) {
        results.push({
          name: `synth.${hosts}.seconds`,
          value: round(cMs / 1000, 2),
          unit: "s",
          baseline: `${bareText}: ${round(bMs / 1000, 2)} s wall, ${round(bCpu / 1000, 2)} s CPU`,
          note: `wall clock of a node process that builds the ${hosts}-host app and runs app.synth() into a temporary outdir; median of ${RUNS} (${runsText(chrony)}); ${round(cCpu / 1000, 2)} s CPU`,
        });
      }
      results.push({
        name: `synth.${hosts}.peak-rss-mb`,
        value: mb(cRss),
        unit: "MB",
        baseline: `${bareText}: ${mb(bRss)} MB`,
        note: `maxRSS of the synth process (process.resourceUsage() at exit), median of ${RUNS}; ratio ${round(cRss / bRss, 2)}x`,
      });
      if (hosts === 10000) {
        results.push({
          name: "synth.10000.peak-rss.ratio",
          value: round(cRss / bRss, 2),
          unit: "x",
          baseline: `${bareText}: ${mb(bRss)} MB maxRSS (median of ${RUNS})`,
          note: `${app}: ${mb(cRss)} MB maxRSS (median of ${RUNS})`,
        });
      }
    }
    const [small, large] = [cpuPerHost[1000], cpuPerHost[10000]];
    results.push({
      name: "synth.growth.ratio",
      value: round(large.chrony / small.chrony, 2),
      unit: "x",
      baseline: `CPU per host at 1,000 hosts: ${round(small.chrony * 1000, 0)} µs (ours), ${round(small.bare * 1000, 0)} µs (bare cdktf)`,
      note: `CPU per host at 10,000 hosts: ${round(large.chrony * 1000, 0)} µs (ours), ${round(large.bare * 1000, 0)} µs (bare cdktf: growth ${round(large.bare / small.bare, 2)}x). Per host = (median process CPU − median CPU of a ${FIXED_HOSTS}-host app of the same kind: ${round(median(fixed.chrony), 0)} ms ours, ${round(median(fixed.bare), 0)} ms bare) / hosts`,
    });
    return results;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
