import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CmdmonClient,
  parseChronycSourceStats,
  parseChronycSources,
  parseChronycTracking,
  type SourceReport,
  type SourceStats,
  type Tracking,
} from "../../../lib/cmdmon";
import { eventually, runChronyc, startTestFleet, type TestFleet } from "../../support/chronyd";
import { expectPrinted, expectSame, stableTriple } from "./compare";

// The client's view must equal chronyc -c's for the same daemon, field by field, over IPv4, IPv6
// and (for chronyc) the Unix socket.

let fleet: TestFleet;
const clients: CmdmonClient[] = [];

beforeAll(async () => {
  fleet = await startTestFleet("cmdmon-compare");
  const client = new CmdmonClient({ host: "127.0.0.1", port: fleet.daemon.cmdPort });
  clients.push(client);
  // Synchronised, every NTP source answering, a few samples each: values worth comparing.
  await eventually(
    "the daemon to synchronise and collect samples",
    async () => {
      const [tracking, stats, sources] = await Promise.all([client.tracking(), client.sourceStats(), client.sources()]);
      const reachable = sources.filter((s) => ["127.0.0.1", "::1", "127.0.0.2"].includes(s.address));
      return (
        tracking.stratum > 0 &&
        reachable.length === 3 &&
        reachable.every((s) => s.reach > 0) &&
        sources.some((s) => s.address === "127.0.0.1" && s.state === "falseticker") &&
        stats.filter((s) => s.samples >= 4).length >= 3
      );
    },
    90_000,
  );
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await fleet?.stop();
});

const transports = [
  { name: "IPv4", host: "127.0.0.1", chronyc: (port: number) => ["-h", "127.0.0.1", "-p", String(port)] },
  { name: "IPv6", host: "::1", chronyc: (port: number) => ["-h", "::1", "-p", String(port)] },
  { name: "Unix socket (chronyc) vs IPv4 (client)", host: "127.0.0.1", chronyc: () => ["-h", fleet.daemon.socketPath] },
] as const;

async function chronycCsv(prefix: readonly string[], ...command: string[]): Promise<string> {
  const run = await runChronyc([...prefix, "-c", ...command]);
  if (run.code !== 0) throw new Error(`chronyc ${[...prefix, "-c", ...command].join(" ")} failed: ${run.stdout}${run.stderr}`);
  return run.stdout;
}

describe.each(transports)("client vs chronyc -c over $name", (transport) => {
  let client: CmdmonClient;
  let prefix: readonly string[];
  beforeAll(() => {
    client = new CmdmonClient({ host: transport.host, port: fleet.daemon.cmdPort });
    clients.push(client);
    prefix = transport.chronyc(fleet.daemon.cmdPort);
  });

  it("tracking: every field", async () => {
    const { before, printed, after } = await stableTriple<Tracking, Tracking>(
      () => client.tracking(),
      async () => parseChronycTracking(await chronycCsv(prefix, "tracking")),
      (b, a) => b.refTime === a.refTime && b.refId === a.refId,
    );
    expectSame("refId", printed.refId, before.refId, after.refId);
    expectSame("refName", printed.refName, before.refName, after.refName);
    expectSame("stratum", printed.stratum, before.stratum, after.stratum);
    expectSame("leapStatus", printed.leapStatus, before.leapStatus, after.leapStatus);
    // chronyc prints the timespec exactly (ns); ours is a double: one ulp at 2^31 s is 2^-21 s.
    expect(Math.abs(printed.refTime - before.refTime)).toBeLessThanOrEqual(2 ** -21);
    expectPrinted("systemTimeOffset", printed.systemTimeOffset, before.systemTimeOffset, after.systemTimeOffset, 9);
    expectPrinted("lastOffset", printed.lastOffset, before.lastOffset, after.lastOffset, 9);
    expectPrinted("rmsOffset", printed.rmsOffset, before.rmsOffset, after.rmsOffset, 9);
    expectPrinted("frequencyPpm", printed.frequencyPpm, before.frequencyPpm, after.frequencyPpm, 3);
    expectPrinted("residualFrequencyPpm", printed.residualFrequencyPpm, before.residualFrequencyPpm, after.residualFrequencyPpm, 3);
    expectPrinted("skewPpm", printed.skewPpm, before.skewPpm, after.skewPpm, 3);
    expectPrinted("rootDelay", printed.rootDelay, before.rootDelay, after.rootDelay, 9);
    expectPrinted("rootDispersion", printed.rootDispersion, before.rootDispersion, after.rootDispersion, 9);
    expectPrinted("updateInterval", printed.updateInterval, before.updateInterval, after.updateInterval, 1);
    expect(Object.keys(printed).sort()).toEqual(Object.keys(before).sort());
  });

  it("sources: every field of every source, names as chronyc -N prints them", async () => {
    const sameSamples = (b: readonly SourceReport[], a: readonly SourceReport[]): boolean =>
      b.length === a.length &&
      b.every(
        (s, i) =>
          s.address === a[i].address &&
          s.measuredOffset === a[i].measuredOffset &&
          s.state === a[i].state &&
          s.reach === a[i].reach &&
          (s.lastRx === null) === (a[i].lastRx === null) &&
          (s.lastRx ?? 0) <= (a[i].lastRx ?? 0),
      );
    const { before, printed, after } = await stableTriple<SourceReport[], SourceReport[]>(
      () => client.sources(),
      async () => parseChronycSources(await chronycCsv(prefix, "sources"), await chronycCsv(["-N", ...prefix], "sources")),
      sameSamples,
    );
    expect(printed.length).toBe(before.length);
    before.forEach((b, i) => {
      const p = printed[i];
      const a = after[i];
      const at = `source ${i} (${b.address})`;
      for (const key of ["address", "name", "mode", "state", "stratum", "poll", "reach"] as const) {
        expectSame(`${at} ${key}`, p[key], b[key], a[key]);
      }
      if (b.lastRx === null) expect(p.lastRx, `${at} lastRx`).toBeNull();
      else
        expect(
          p.lastRx !== null && p.lastRx >= b.lastRx && p.lastRx <= (a.lastRx ?? -1),
          `${at} lastRx ${p.lastRx} not in [${b.lastRx}, ${a.lastRx}]`,
        ).toBe(true);
      expectPrinted(`${at} offset`, p.offset, b.offset, a.offset, 9);
      expectPrinted(`${at} measuredOffset`, p.measuredOffset, b.measuredOffset, a.measuredOffset, 9);
      expectPrinted(`${at} error`, p.error, b.error, a.error, 9);
    });
  });

  it("sourcestats: every field of every source", async () => {
    const sameSamples = (b: readonly SourceStats[], a: readonly SourceStats[]): boolean =>
      b.length === a.length &&
      b.every((s, i) => s.samples === a[i].samples && s.runs === a[i].runs && s.spanSeconds === a[i].spanSeconds && s.stdDev === a[i].stdDev);
    const { before, printed, after } = await stableTriple<SourceStats[], SourceStats[]>(
      () => client.sourceStats(),
      async () => parseChronycSourceStats(await chronycCsv(prefix, "sourcestats"), await chronycCsv(["-N", ...prefix], "sourcestats")),
      sameSamples,
    );
    expect(printed.length).toBe(before.length);
    before.forEach((b, i) => {
      const p = printed[i];
      const a = after[i];
      const at = `sourcestats ${i} (${b.address})`;
      for (const key of ["address", "name", "samples", "runs", "spanSeconds"] as const) expectSame(`${at} ${key}`, p[key], b[key], a[key]);
      expectPrinted(`${at} frequencyPpm`, p.frequencyPpm, b.frequencyPpm, a.frequencyPpm, 3);
      expectPrinted(`${at} skewPpm`, p.skewPpm, b.skewPpm, a.skewPpm, 3);
      expectPrinted(`${at} offset`, p.offset, b.offset, a.offset, 9);
      expectPrinted(`${at} stdDev`, p.stdDev, b.stdDev, a.stdDev, 9);
    });
  });
});

describe("what the daemon's sources look like through the client", () => {
  it("reports each kind of source as chronyc shows it", async () => {
    const sources = await clients[0].sources();
    const byAddress = new Map(sources.map((s) => [s.address, s]));
    expect([...byAddress.keys()].sort()).toEqual(["127.0.0.1", "127.0.0.2", "127.0.0.3", "::1", "GPS", "SHM0"].sort());
    expect(byAddress.get("127.0.0.1")).toMatchObject({ name: "localhost", mode: "server", stratum: 5, state: "falseticker" });
    expect(byAddress.get("127.0.0.1")?.measuredOffset).toBeCloseTo(-0.01, 3);
    expect(byAddress.get("::1")).toMatchObject({ name: "::1", mode: "server", stratum: 5 });
    expect(byAddress.get("127.0.0.2")).toMatchObject({ name: "127.0.0.2", mode: "peer" });
    expect(byAddress.get("127.0.0.3")).toMatchObject({ mode: "server", reach: 0, lastRx: null, state: "nonselectable" });
    for (const refclock of ["SHM0", "GPS"]) {
      expect(byAddress.get(refclock)).toMatchObject({ mode: "refclock", reach: 0, lastRx: null });
      expect(byAddress.get(refclock)).not.toHaveProperty("name");
    }
    expect(sources.filter((s) => s.state === "selected")).toHaveLength(1);
  });

  it("reads activity as chronyc -c activity does", async () => {
    const { before, printed, after } = await stableTriple(
      () => clients[0].activity(),
      async () => (await runChronyc(["-h", fleet.daemon.socketPath, "-c", "activity"])).stdout,
      (b, a) => JSON.stringify(b) === JSON.stringify(a),
    );
    expect(before).toEqual(after);
    const [online, offline, burstOnline, burstOffline, unresolved] = printed.trim().split(",").map(Number);
    expect(before).toEqual({ online, offline, burstOnline, burstOffline, unresolved });
    expect(online + offline + burstOnline + burstOffline).toBe(4);
  });

  it("looks up a source's configured name and fails clearly for a refclock", async () => {
    await expect(clients[0].sourceName("127.0.0.1")).resolves.toBe("localhost");
    await expect(clients[0].sourceName("::1")).resolves.toBe("::1");
    const entries = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => clients[0].sourceData(i)));
    const refclock = entries.find((e) => e.source.mode === "refclock");
    await expect(clients[0].sourceName(refclock!.ipAddr)).rejects.toMatchObject({ code: "no-such-source" });
    await expect(clients[0].sourceData(6)).rejects.toMatchObject({ code: "no-such-source" });
  });
});
