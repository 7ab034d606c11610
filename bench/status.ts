import * as fs from "node:fs";
import * as path from "node:path";
import { App, TerraformStack } from "cdktf";
import { ChronyHost } from "../constructs";
import { sandboxHostProps } from "../examples/sandbox-fleet";
import { fleetStatus } from "../lib/deploy/fleet-status";
import { readHosts } from "../lib/deploy/outdir";
import type { BenchResult } from "./result";
import { childrenCpuSeconds, median, progress, round, runChecked, runCli } from "./proc";
import { BenchFleet } from "./sandbox-fleet";

// `cdktf-chrony status OUTDIR` over a 200-host sandbox (every host with a UDP command endpoint),
// against what a script would run: `chronyc -c tracking` once per host, one after the other.
// The synth output names the sandbox's hosts; nothing is deployed (status only reads chronyd).

const HOSTS = 200;
const FIRST_ADDRESS = "127.0.100.11";
const RUNS = 5;

export async function runStatusBench(): Promise<BenchResult[]> {
  const fleet = await BenchFleet.start({ hosts: HOSTS, firstAddress: FIRST_ADDRESS });
  try {
    return await measure(fleet);
  } finally {
    await fleet.stop();
  }
}

function synth(fleet: BenchFleet): string {
  const outdir = path.join(fleet.workDir, "status-out");
  const saved = process.env.CDKTF_CHRONY_PROJECT_DIR;
  process.env.CDKTF_CHRONY_PROJECT_DIR = fleet.env.CDKTF_CHRONY_PROJECT_DIR;
  try {
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "fleet");
    for (const h of fleet.hosts) new ChronyHost(stack, h.id, sandboxHostProps(h, fleet.controller));
    app.synth();
  } finally {
    if (saved === undefined) delete process.env.CDKTF_CHRONY_PROJECT_DIR;
    else process.env.CDKTF_CHRONY_PROJECT_DIR = saved;
  }
  return outdir;
}

async function chronycLoop(fleet: BenchFleet): Promise<number> {
  const t0 = performance.now();
  for (const h of fleet.hosts) {
    const r = await runChecked("/usr/bin/chronyc", ["-h", h.address, "-p", String(h.cmdPort), "-c", "tracking"], { timeoutMs: 30_000 });
    if (r.stdout.split(",").length < 14) throw new Error(`chronyc -c tracking on ${h.id} printed ${r.stdout.trim()}`);
  }
  return performance.now() - t0;
}

async function measure(fleet: BenchFleet): Promise<BenchResult[]> {
  const outdir = synth(fleet);
  const hosts = readHosts(outdir);
  const ours: number[] = [];
  const oursCpu: number[] = [];
  const inProcess: number[] = [];
  const theirs: number[] = [];
  const theirsCpu: number[] = [];
  const cli = async () => {
    const r = await runCli(["status", outdir, "--json"], { env: fleet.env, timeoutMs: 120_000 });
    const report = JSON.parse(r.stdout) as { summary: { hosts: number; notAnswering: number } };
    if (r.code !== 0 || report.summary.hosts !== HOSTS || report.summary.notAnswering !== 0) {
      throw new Error(`status ${outdir} exited ${r.code}: ${JSON.stringify(report.summary)} ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    }
    return r.ms;
  };
  await cli(); // warm the file cache
  await chronycLoop(fleet);
  for (let i = 0; i < RUNS; i++) {
    progress(`status: run ${i + 1}/${RUNS}`);
    let c0 = childrenCpuSeconds();
    theirs.push(await chronycLoop(fleet));
    theirsCpu.push(childrenCpuSeconds() - c0);
    c0 = childrenCpuSeconds();
    ours.push(await cli());
    oursCpu.push(childrenCpuSeconds() - c0);
    const t0 = performance.now();
    const statuses = await fleetStatus(hosts, { udpConcurrency: 64 });
    inProcess.push(performance.now() - t0);
    const failed = statuses.filter((s) => s.result !== "ok");
    if (failed.length > 0) throw new Error(`in-process status: ${failed.length} host(s) did not answer (${failed[0].host}: ${failed[0].error})`);
  }
  fs.rmSync(outdir, { recursive: true, force: true });
  const [o, t, q] = [median(ours), median(theirs), median(inProcess)];
  const runs = (xs: number[]) => xs.map((x) => round(x, 0)).join(", ");
  const cpuMs = (xs: number[]) => round(median(xs) * 1000, 0);
  const baseline = `${HOSTS} sequential 'chronyc -c tracking' runs (one per sandbox host, over UDP): ${round(t, 0)} ms median of ${RUNS} (${runs(theirs)}), ${cpuMs(theirsCpu)} ms CPU in chronyc`;
  return [
    {
      name: "status.200.seconds",
      value: round(o / 1000, 3),
      unit: "s",
      baseline,
      note: `'cdktf-chrony status OUTDIR --json' over ${HOSTS} sandbox hosts (real chronyd 4.3 each, UDP command endpoints from ${FIRST_ADDRESS}), whole process: ${round(o, 0)} ms median of ${RUNS} (${runs(ours)}), ${cpuMs(oursCpu)} ms CPU; tracking + sources of every host (N_SOURCES, SOURCE_DATA per source, the worst source's name), 64 hosts at once`,
    },
    {
      name: "status.200.vs-chronyc.ratio",
      value: round(t / o, 1),
      unit: "x",
      baseline,
      note: `how many times faster the whole 'cdktf-chrony status OUTDIR' process (node start, reading ${HOSTS} manifests, ~3-4 requests per host, the report) was than ${HOSTS} chronyc runs asking tracking only: ${round(o, 0)} vs ${round(t, 0)} ms`,
    },
    {
      name: "status.200.query.vs-chronyc.ratio",
      value: round(t / q, 1),
      unit: "x",
      baseline,
      note: `the fleet query alone, in this process (fleetStatus over the ${HOSTS} hosts, 64 at once, manifests already read): ${round(q, 1)} ms median of ${RUNS} (${runs(inProcess)})`,
    },
  ];
}
