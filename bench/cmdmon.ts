import { CmdmonClient, queryMany } from "../lib/cmdmon";
import { freeUdpPort, runChronyc as runChronycProcess, startChronyd, type RunningChronyd } from "../test/support/chronyd";
import type { BenchResult } from "./result";

// Command-protocol benchmarks against real chronyd 4.3 processes on loopback, each started with
// its own folder and ports and stopped by pid (test/support/chronyd). The baseline is chronyc,
// measured in the same run.

const ENDPOINTS = 100;
const IN_FLIGHT = 32;
const CLIENT_REQUESTS = 20_000;
const CHRONYC_RUNS = 200;

async function runChronyc(args: readonly string[]): Promise<string> {
  const run = await runChronycProcess(args);
  if (run.code !== 0) throw new Error(`chronyc ${args.join(" ")} failed (exit ${run.code}): ${(run.stdout + run.stderr).trim()}`);
  return run.stdout;
}

/** Requests per second of one client keeping `inFlight` TRACKING requests outstanding. */
async function clientTrackingRate(port: number, requests: number, inFlight: number): Promise<number> {
  const client = new CmdmonClient({ host: "127.0.0.1", port, maxInFlight: inFlight });
  try {
    let remaining = 500;
    const loop = async (): Promise<void> => {
      while (remaining-- > 0) await client.tracking();
    };
    await Promise.all(Array.from({ length: inFlight }, loop)); // warm-up
    remaining = requests;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: inFlight }, loop));
    return requests / ((performance.now() - t0) / 1000);
  } finally {
    await client.close();
  }
}

/** Runs per second of `chronyc -c tracking`, one after the other, as a script would do it. */
async function chronycTrackingRate(port: number, runs: number): Promise<number> {
  const args = ["-h", "127.0.0.1", "-p", String(port), "-c", "tracking"];
  for (let i = 0; i < 10; i++) await runChronyc(args);
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await runChronyc(args);
  return runs / ((performance.now() - t0) / 1000);
}

export async function runCmdmonBench(): Promise<BenchResult[]> {
  const daemons: RunningChronyd[] = [];
  try {
    const referencePort = await freeUdpPort();
    daemons.push(
      await startChronyd({ name: "bench-reference", directives: ["local stratum 5", "allow all"], cmdAddresses: [], ntpPort: referencePort }),
    );
    const closedPort = await freeUdpPort();
    // Each endpoint is its own chronyd process with two sources: the reference (reachable) and a
    // server on a closed port. Started in batches so startup stays gentle on small machines.
    const endpoints: RunningChronyd[] = [];
    for (let i = 0; i < ENDPOINTS; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, ENDPOINTS - i) }, (_, k) =>
          startChronyd({
            name: `bench-endpoint${i + k}`,
            directives: [`server 127.0.0.1 port ${referencePort} iburst`, `server 127.0.0.3 port ${closedPort}`],
            ntpPort: 0,
          }),
        ),
      );
      endpoints.push(...batch);
      daemons.push(...batch);
    }

    const trackingPort = endpoints[0].cmdPort;
    const chronycRate = await chronycTrackingRate(trackingPort, CHRONYC_RUNS);
    const clientRate = await clientTrackingRate(trackingPort, CLIENT_REQUESTS, IN_FLIGHT);

    // Half the endpoints over IPv4, half over IPv6: 100 distinct address:port pairs, 100 daemons.
    const targets = endpoints.map((d, i) => ({ host: i % 2 === 0 ? "127.0.0.1" : "::1", port: d.cmdPort }));
    const statusOf = async (client: CmdmonClient): Promise<number> => {
      const [, sources] = await Promise.all([client.tracking(), client.sources()]);
      return sources.length;
    };
    const t0 = performance.now();
    let answered = 0;
    for await (const result of queryMany(targets, statusOf, { concurrency: ENDPOINTS })) {
      if (!result.ok || result.value !== 2)
        throw new Error(`endpoint ${result.endpoint.host}:${result.endpoint.port} failed: ${result.ok ? result.value : result.error.message}`);
      answered++;
    }
    const concurrentMs = performance.now() - t0;
    if (answered !== ENDPOINTS) throw new Error(`only ${answered} of ${ENDPOINTS} endpoints answered`);

    const t1 = performance.now();
    for (const target of targets) {
      const prefix = ["-h", target.host, "-p", String(target.port), "-c"];
      await runChronyc([...prefix, "tracking"]);
      await runChronyc(["-N", ...prefix, "sources"]);
    }
    const chronycMs = performance.now() - t1;

    return [
      {
        name: "cmdmon.vs-chronyc.ratio",
        value: round(clientRate / chronycRate, 1),
        unit: "x",
        baseline: `chronyc -c tracking spawned ${CHRONYC_RUNS} times one after the other: ${round(chronycRate, 0)} runs/s`,
        note: `one CmdmonClient, one UDP socket, ${IN_FLIGHT} TRACKING requests in flight: ${round(clientRate, 0)} requests/s over ${CLIENT_REQUESTS} requests to one real chronyd 4.3 on 127.0.0.1 (goal ≥ 50)`,
      },
      {
        name: "cmdmon.100-endpoints.ms",
        value: round(concurrentMs, 1),
        unit: "ms",
        baseline: `chronyc -c tracking + chronyc -c -N sources per endpoint, one endpoint after the other: ${round(chronycMs, 0)} ms`,
        note: `tracking + sources (N_SOURCES, SOURCE_DATA ×2, NTP_SOURCE_NAME ×2) from ${ENDPOINTS} endpoints with queryMany, concurrency ${ENDPOINTS}, one client and socket per endpoint. Each endpoint is a separate real chronyd 4.3 process (-x) with its own cmdport; 50 queried on 127.0.0.1 and 50 on ::1; each has a reachable server (a shared reference chronyd) and an unreachable one`,
      },
      {
        name: "cmdmon.100-endpoints.vs-chronyc.ratio",
        value: round(chronycMs / concurrentMs, 1),
        unit: "x",
        baseline: `sequential chronyc over the same ${ENDPOINTS} endpoints: ${round(chronycMs, 0)} ms`,
        note: `how many times faster queryMany got tracking + sources from ${ENDPOINTS} real chronyd processes than chronyc did (${round(concurrentMs, 1)} ms)`,
      },
    ];
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
  }
}

function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

if (require.main === module) {
  runCmdmonBench().then(
    (results) => {
      const rows = results.map((r) => [r.name, `${r.value} ${r.unit}`, r.baseline]);
      const widths = [0, 1].map((c) => Math.max(...rows.map((row) => row[c].length)));
      for (const [name, value, baseline] of rows) process.stdout.write(`${name.padEnd(widths[0])}  ${value.padStart(widths[1])}  ${baseline}\n`);
      for (const r of results) process.stdout.write(`\n${r.name}: ${r.note}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`cmdmon bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
