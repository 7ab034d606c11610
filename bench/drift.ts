import type { BenchResult } from "./result";
import { mapLimit } from "../lib/map-limit";
import { childrenCpuSeconds, median, progress, round, runChecked, runCli, runTimed } from "./proc";
import { deployFleet } from "./apply";
import { BenchFleet, FLEET_HOSTS, openSshOptions } from "./sandbox-fleet";

// `cdktf-chrony drift OUTDIR` over 50 clean sandbox hosts, whole process. The baseline is what a
// script would do with OpenSSH at drift's default concurrency (16): per host one ssh running
// sha256sum over the managed files and `chronyc -c` for the sources and their NTP data.

const RUNS = 3;
const CONCURRENCY = 16;

/** ssh to one sandbox host with the sandbox's OpenSSH options. */
function sshArgs(fleet: BenchFleet, port: number, address: string, command: string): string[] {
  return [...openSshOptions(fleet.controller), "-p", String(port), `${fleet.controller.user}@${address}`, command];
}

/** The floor of any per-host check over SSH here: one `ssh HOST true` per host (connection + login shell). */
async function sshFloor(fleet: BenchFleet): Promise<number> {
  const t0 = performance.now();
  await mapLimit(fleet.hosts, CONCURRENCY, (host) => runChecked("ssh", sshArgs(fleet, host.sshPort, host.address, "true"), { timeoutMs: 60_000 }));
  return performance.now() - t0;
}

async function openSshSurvey(fleet: BenchFleet): Promise<number> {
  const hosts = fleet.hosts;
  const t0 = performance.now();
  await mapLimit(hosts, CONCURRENCY, async (host) => {
    const chronyc = `/usr/bin/chronyc -h ${host.root}/run/chrony/chronyd.sock -c`;
    const etc = `${host.root}/etc/chrony`;
    const script = `sha256sum ${etc}/chrony.conf ${etc}/sources.d/cdktf-chrony.sources ${etc}/chrony.keys && ls ${etc}/sources.d && ${chronyc} -a sources && ${chronyc} -a -N sources && ${chronyc} ntpdata`;
    const r = await runChecked("ssh", sshArgs(fleet, host.sshPort, host.address, script), { timeoutMs: 60_000 });
    if (!r.stdout.includes("chrony.conf")) throw new Error(`${host.id}: the OpenSSH survey printed no digests`);
  });
  return performance.now() - t0;
}

/**
 * CPU of the login shell an SSH command starts on a sandbox host (sshd runs `bash -c COMMAND` as
 * root, and bash reads ~/.bashrc when started by sshd): `bash -c true` with SSH_CLIENT set, as sshd
 * sets it, against the same without it. Both are in every SSH command's host CPU, ours and theirs.
 */
async function loginShellMs(): Promise<{ withRc: number; withoutRc: number }> {
  const runs = 20;
  const measure = async (env: NodeJS.ProcessEnv) => {
    const c0 = childrenCpuSeconds();
    for (let i = 0; i < runs; i++) await runTimed("bash", ["-c", "true"], { env, quiet: true });
    return ((childrenCpuSeconds() - c0) * 1000) / runs;
  };
  const base = { PATH: "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", USER: process.env.USER ?? "root" };
  return { withRc: await measure({ ...base, SSH_CLIENT: "127.0.0.1 40000 22" }), withoutRc: await measure(base) };
}

export async function runDriftBench(fleet: BenchFleet): Promise<BenchResult[]> {
  if (!fleet.lastVersion) await deployFleet(fleet);
  const outdir = fleet.lastOutdir!;
  const ours: number[] = [];
  const theirs: number[] = [];
  const floor: number[] = [];
  const cpu = {
    ours: [] as Array<{ controller: number; hosts: number }>,
    theirs: [] as Array<{ controller: number; hosts: number }>,
    floor: [] as Array<{ controller: number; hosts: number }>,
  };
  const cpuOf = async <T>(into: Array<{ controller: number; hosts: number }>, run: () => Promise<T>): Promise<T> => {
    const c0 = childrenCpuSeconds();
    const h0 = fleet.hostsCpuSeconds();
    const result = await run();
    into.push({ controller: childrenCpuSeconds() - c0, hosts: fleet.hostsCpuSeconds() - h0 });
    return result;
  };
  let stderrTail = "";
  for (let i = 0; i < RUNS; i++) {
    progress(`drift: run ${i + 1}/${RUNS}`);
    theirs.push(await cpuOf(cpu.theirs, () => openSshSurvey(fleet)));
    floor.push(await cpuOf(cpu.floor, () => sshFloor(fleet)));
    const r = await cpuOf(cpu.ours, () => runCli(["drift", outdir], { env: fleet.env, timeoutMs: 120_000 }));
    if (r.code !== 0 || !r.stdout.includes(`${FLEET_HOSTS} clean, 0 drifted, 0 not checked`)) {
      throw new Error(
        `drift over ${FLEET_HOSTS} clean hosts exited ${r.code}: ${r.stdout.trim().split("\n").slice(-8).join(" | ")} ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`,
      );
    }
    ours.push(r.ms);
    stderrTail = r.stderr;
  }
  const shell = await loginShellMs();
  const oursMs = median(ours);
  const theirsMs = median(theirs);
  const perHostMs = (xs: Array<{ controller: number; hosts: number }>, side: "controller" | "hosts") =>
    (1000 * median(xs.map((x) => x[side]))) / FLEET_HOSTS;
  const perHost = [...stderrTail.matchAll(/\] (\S+): clean/g)].length;
  const cpuText = (xs: Array<{ controller: number; hosts: number }>) =>
    `CPU per host: controller ${round((1000 * median(xs.map((x) => x.controller))) / FLEET_HOSTS, 0)} ms, hosts ${round((1000 * median(xs.map((x) => x.hosts))) / FLEET_HOSTS, 0)} ms`;
  return [
    {
      name: "drift.50.seconds",
      value: round(oursMs / 1000, 2),
      unit: "s",
      baseline: `OpenSSH survey (one ssh per host: sha256sum of the managed files, ls sources.d, chronyc -c sources/-N sources/ntpdata), ${CONCURRENCY} at once: ${round(theirsMs / 1000, 2)} s median of ${RUNS} (${theirs.map((t) => round(t / 1000, 2)).join(", ")})`,
      note: `'cdktf-chrony drift OUTDIR' over ${FLEET_HOSTS} clean sandbox hosts (exit 0, ${perHost} reported clean), default concurrency 16, whole process: median of ${RUNS} (${ours.map((t) => round(t / 1000, 2)).join(", ")}); ratio to the OpenSSH survey ${round(oursMs / theirsMs, 2)}x; ${cpuText(cpu.ours)}. Floor on this machine, one 'ssh HOST true' per host (connection + login shell, nothing else), ${CONCURRENCY} at once: ${round(median(floor) / 1000, 2)} s; ${cpuText(cpu.floor)}`,
    },
    {
      name: "drift.50.host-cpu.ratio",
      value: round(perHostMs(cpu.ours, "hosts") / perHostMs(cpu.floor, "hosts"), 2),
      unit: "x",
      baseline: `one 'ssh HOST true' per host, ${CONCURRENCY} at once: ${round(perHostMs(cpu.floor, "hosts"), 0)} ms host CPU per host (sshd session and the login shell), median of ${RUNS}`,
      note: `'cdktf-chrony drift OUTDIR': ${round(perHostMs(cpu.ours, "hosts"), 0)} ms host CPU per host (sshd session, login shell, the survey program under the lock with sha256sum, stat, base64 and 3 chronyc), median of ${RUNS}; the OpenSSH survey script: ${round(perHostMs(cpu.theirs, "hosts"), 0)} ms. Of every SSH command's host CPU, the login shell is ${round(shell.withRc, 0)} ms: root's ~/.bashrc on this machine runs 'pyenv init' (bash -c true as sshd starts it: ${round(shell.withRc, 1)} ms CPU; without ~/.bashrc: ${round(shell.withoutRc, 1)} ms)`,
    },
    {
      name: "drift.50.controller-cpu-ms",
      value: round(perHostMs(cpu.ours, "controller"), 0),
      unit: "ms",
      baseline: `one 'ssh HOST true' per host: ${round(perHostMs(cpu.floor, "controller"), 0)} ms controller CPU per host (the ssh client); the OpenSSH survey: ${round(perHostMs(cpu.theirs, "controller"), 0)} ms`,
      note: `controller CPU per host of 'cdktf-chrony drift OUTDIR' over ${FLEET_HOSTS} hosts (one node process for all: start-up, reading the manifests, one ssh2 connection per host, comparing), median of ${RUNS}`,
    },
  ];
}
