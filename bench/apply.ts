import * as fs from "node:fs";
import * as path from "node:path";
import type { BenchResult } from "./result";
import { mapLimit } from "../lib/map-limit";
import { agentCpuBetween, agentCpuByPid, childrenCpuSeconds, machineBusySeconds, median, progress, round, runChecked } from "./proc";
import { BenchFleet, FLEET_HOSTS, openSshOptions, type FleetVersion, type SynthesizedHost } from "./sandbox-fleet";

// A sources-only change to 50 sandbox hosts through the provisioner's path (each push resource's
// local-exec run as Terraform runs it: one `cdktf-chrony apply` process per host, 10 at once), against the loop a shell script would run: scp
// the sources file into place and `ssh HOST chronyc -h SOCK reload sources` (OpenSSH, same hosts,
// keys, known_hosts and parallelism). Rounds alternate between the two; each round changes maxpoll
// and an (unreachable) marker server on every host, and is checked on every host afterwards.

export const PARALLEL = 10;
const ROUNDS = 5;

/** The baseline: per host, write the sources file, scp it into place, ssh `chronyc reload sources`. */
interface Round {
  readonly ms: number;
  /** Wall clock of each host's work (ours: the apply process; baseline: scp + ssh). */
  readonly perHost: number[];
  /** CPU seconds of the controller's processes (ours: the provisioners' processes and the deploy agent; baseline: scp and ssh clients). */
  readonly controllerCpu: number;
  /** Of which the deploy agent (ours). */
  readonly agentCpu: number;
  /** CPU seconds on the hosts' side (sshd sessions and what they ran, chronyd). */
  readonly hostsCpu: number;
  /** CPU seconds the whole machine was busy (includes anything else running). */
  readonly machineCpu: number;
}

/** Measures a round: wall clock, and CPU on both ends. */
async function measured(fleet: BenchFleet, run: () => Promise<number[]>): Promise<Round> {
  const c0 = childrenCpuSeconds();
  const a0 = agentCpuByPid();
  const h0 = fleet.hostsCpuSeconds();
  const m0 = machineBusySeconds();
  const t0 = performance.now();
  const perHost = await run();
  const ms = performance.now() - t0;
  const agentCpu = agentCpuBetween(a0, agentCpuByPid());
  return {
    ms,
    perHost,
    controllerCpu: childrenCpuSeconds() - c0 + agentCpu,
    agentCpu,
    hostsCpu: fleet.hostsCpuSeconds() - h0,
    machineCpu: machineBusySeconds() - m0,
  };
}

async function openSshRound(fleet: BenchFleet, hosts: readonly SynthesizedHost[], round: number): Promise<number[]> {
  const options = openSshOptions(fleet.controller);
  const local = fs.mkdtempSync(path.join(fleet.workDir, `scp-${round}-`));
  const perHost: number[] = [];
  await mapLimit(hosts, PARALLEL, async (h) => {
    const t = performance.now();
    const sources = h.manifest.files.find((f) => f.role === "sources")!;
    const file = path.join(local, `${h.host.id}.sources`);
    fs.writeFileSync(file, sources.content, { mode: sources.mode });
    const login = `${h.manifest.target.user}@${h.manifest.target.address}`;
    await runChecked("scp", ["-q", ...options, "-P", String(h.manifest.target.port), file, `${login}:${sources.path}`], { timeoutMs: 60_000 });
    const reload = await runChecked(
      "ssh",
      [...options, "-p", String(h.manifest.target.port), login, ...h.manifest.profile.chronyc, "reload", "sources"],
      { timeoutMs: 60_000 },
    );
    if (!/^200 OK$/m.test(reload.stdout))
      throw new Error(`${h.host.id}: chronyc reload sources said: ${reload.stdout.trim()} ${reload.stderr.trim()}`);
    perHost.push(performance.now() - t);
  });
  fs.rmSync(local, { recursive: true, force: true });
  return perHost;
}

/** Ours: one `cdktf-chrony apply MANIFEST` process per host, as Terraform's local-exec runs it. */
async function cdktfChronyRound(fleet: BenchFleet, hosts: readonly SynthesizedHost[], env: NodeJS.ProcessEnv = {}): Promise<number[]> {
  const pids = new Map(hosts.map((h) => [h.host.id, fleet.chronydPid(h.host)]));
  const perHost: number[] = [];
  await mapLimit(hosts, PARALLEL, async (h) => {
    const r = await fleet.provision(h, / reload-sources ok in /, env);
    perHost.push(r.ms);
  });
  for (const h of hosts) {
    if (fleet.chronydPid(h.host) !== pids.get(h.host.id)) throw new Error(`${h.host.id}: chronyd was restarted by a sources-only change`);
  }
  return perHost;
}

/**
 * Brings every host to a new version through `cdktf-chrony apply` (the first time: a restart onto
 * the managed config; after a failed benchmark: whatever it takes); not timed.
 */
export async function deployFleet(fleet: BenchFleet): Promise<void> {
  const version = fleet.nextVersion();
  const { outdir, hosts } = fleet.synth(version);
  progress(`apply: deploying version ${version.round} to ${hosts.length} hosts (not timed)`);
  const ms = await fleet.applyAll(hosts, PARALLEL, / (restart|start|reload-sources|rekey|rekey\+reload-sources) ok in | no change unchanged in /);
  await fleet.checkLive(version, hosts);
  progress(`apply: deployed in ${(ms / 1000).toFixed(1)} s`);
  fleet.lastOutdir = outdir;
  fleet.lastVersion = version;
}

export async function runApplyBench(fleet: BenchFleet): Promise<BenchResult[]> {
  try {
    return await applyRounds(fleet);
  } catch (err) {
    // The hosts are somewhere between versions: whoever runs next must deploy first.
    fleet.lastVersion = undefined;
    fleet.lastOutdir = undefined;
    throw err;
  }
}

async function applyRounds(fleet: BenchFleet): Promise<BenchResult[]> {
  if (!fleet.lastVersion) await deployFleet(fleet);
  const ours: Round[] = [];
  const theirs: Round[] = [];
  // Before the deploy agent: every provisioner runs its apply in its own process.
  const alone: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Baseline first in each round, so that ours always ends the sequence (drift then compares clean).
    for (const side of ["openssh", "no-agent", "cdktf-chrony"] as const) {
      const version: FleetVersion = fleet.nextVersion();
      const { outdir, hosts } = fleet.synth(version);
      progress(`apply: round ${i + 1}/${ROUNDS}, ${side}: maxpoll ${version.maxPoll}, marker ${version.marker} on ${hosts.length} hosts`);
      const result = await measured(fleet, () =>
        side === "openssh"
          ? openSshRound(fleet, hosts, version.round)
          : cdktfChronyRound(fleet, hosts, side === "no-agent" ? { CDKTF_CHRONY_AGENT: "off" } : {}),
      );
      await fleet.checkLive(version, hosts);
      (side === "openssh" ? theirs : side === "no-agent" ? alone : ours).push(result);
      progress(
        `apply: ${side} ${(result.ms / 1000).toFixed(2)} s; CPU s: controller ${result.controllerCpu.toFixed(1)}, hosts ${result.hostsCpu.toFixed(1)}, machine ${result.machineCpu.toFixed(1)}`,
      );
      if (side === "cdktf-chrony") {
        fleet.lastOutdir = outdir;
        fleet.lastVersion = version;
      } else {
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    }
  }
  const oursMs = median(ours.map((x) => x.ms));
  const theirsMs = median(theirs.map((x) => x.ms));
  const seconds = (xs: typeof ours) => xs.map((x) => round(x.ms / 1000, 2)).join(", ");
  const perHost = (xs: typeof ours) => round(median(xs.flatMap((x) => x.perHost)), 0);
  const cpuPerHost = (xs: typeof ours) => (1000 * median(xs.map((x) => x.controllerCpu + x.hostsCpu))) / FLEET_HOSTS;
  const cpu = (xs: typeof ours) => {
    const per = (f: (x: Round) => number) => round((1000 * median(xs.map(f))) / FLEET_HOSTS, 0);
    const agent = xs.some((x) => x.agentCpu > 0) ? ` (of which the deploy agent ${per((x) => x.agentCpu)} ms)` : "";
    return `CPU per host: controller ${per((x) => x.controllerCpu)} ms${agent}, hosts ${per((x) => x.hostsCpu)} ms, whole machine ${per((x) => x.machineCpu)} ms`;
  };
  return [
    {
      name: "apply.50.ratio",
      value: round(oursMs / theirsMs, 2),
      unit: "x",
      baseline: `OpenSSH loop (write file, scp it into place, ssh chronyc -h SOCK reload sources), ${PARALLEL} workers: ${round(theirsMs / 1000, 2)} s median of ${ROUNDS} rounds (${seconds(theirs)}); ${perHost(theirs)} ms per host; ${cpu(theirs)}`,
      note: `sources-only change (maxpoll + one server) on ${FLEET_HOSTS} sandbox hosts through each push resource's local-exec as Terraform runs it (one 'cdktf-chrony apply' process per host, which hands the apply to the deploy's agent), ${PARALLEL} at once: ${round(oursMs / 1000, 2)} s median of ${ROUNDS} rounds (${seconds(ours)}); ${perHost(ours)} ms per host process; ${cpu(ours)}. Every round checked on every host: sources file bytes, chronyd lists the new server (cmdmon), chronyd pid unchanged for ours`,
    },
    {
      name: "apply.50.no-agent.ratio",
      value: round(median(alone.map((x) => x.ms)) / theirsMs, 2),
      unit: "x",
      baseline: `the same OpenSSH loop: ${round(theirsMs / 1000, 2)} s`,
      note: `the same change with CDKTF_CHRONY_AGENT=off (each provisioner loads the CLI and ssh2 and runs its apply itself, as before the deploy agent), rounds interleaved with the others: ${round(median(alone.map((x) => x.ms)) / 1000, 2)} s median of ${ROUNDS} (${seconds(alone)}); ${cpu(alone)}; CPU ratio to the loop ${round(cpuPerHost(alone) / cpuPerHost(theirs), 2)}x`,
    },
    {
      name: "apply.50.cpu-ratio",
      value: round(cpuPerHost(ours) / cpuPerHost(theirs), 2),
      unit: "x",
      baseline: `OpenSSH loop: ${round(cpuPerHost(theirs), 0)} ms CPU per host (scp + ssh clients, and sshd sessions with what they ran on the hosts)`,
      note: `cdktf-chrony apply: ${round(cpuPerHost(ours), 0)} ms CPU per host (the provisioner's process, its share of the deploy agent, and the sshd session with what it ran on the host); medians over ${ROUNDS} rounds. Less sensitive than the wall clock to other load on a shared machine; with ${PARALLEL} workers on 2 cores the rounds are CPU-bound`,
    },
    {
      name: "apply.50.seconds",
      value: round(oursMs / 1000, 2),
      unit: "s",
      baseline: `OpenSSH scp + ssh reload loop: ${round(theirsMs / 1000, 2)} s`,
      note: `wall clock of the ${FLEET_HOSTS} apply processes, ${PARALLEL} at once (median of ${ROUNDS} rounds)`,
    },
  ];
}
