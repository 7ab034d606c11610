import * as dgram from "node:dgram";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CmdmonClient, queryMany, type EndpointResult, type Tracking } from "../../../lib/cmdmon";
import { freeUdpPort, startChronyd, startTestFleet, type RunningChronyd, type TestFleet } from "../../support/chronyd";

let fleet: TestFleet;
let plain: RunningChronyd[] = [];

beforeAll(async () => {
  fleet = await startTestFleet("cmdmon-transport");
  plain = await Promise.all([1, 2, 3].map((i) => startChronyd({ name: `cmdmon-transport-plain${i}`, directives: ["local stratum 8"], ntpPort: 0 })));
});

afterAll(async () => {
  await Promise.all([fleet?.stop(), ...plain.map((d) => d.stop())]);
});

describe("a chronyd that drops our packets", () => {
  it("times out with the cmdallow advice when the sender is not allowed, and answers once it is", async () => {
    // Requests from 127.0.0.2 are not from localhost: chronyd drops them unless cmdallow admits them.
    const client = new CmdmonClient({ host: "127.0.0.1", port: fleet.daemon.cmdPort, localAddress: "127.0.0.2", timeoutMs: 100 });
    try {
      const started = Date.now();
      await expect(client.tracking()).rejects.toMatchObject({
        code: "timeout",
        message: `no reply from 127.0.0.1:${fleet.daemon.cmdPort}: is this address in cmdallow, bindcmdaddress not loopback-only, and UDP ${fleet.daemon.cmdPort} open?`,
      });
      // 100 + 200 + 400 ms: three tries, each wait doubled.
      expect(Date.now() - started).toBeGreaterThanOrEqual(690);
      const allow = await fleet.daemon.chronyc(["cmdallow", "127.0.0.2"]);
      expect(allow.stdout.trim()).toBe("200 OK");
      expect((await client.tracking()).stratum).toBeGreaterThanOrEqual(0);
    } finally {
      await client.close();
    }
  });

  it("times out against a bound port that is not chronyd's command port", async () => {
    const client = new CmdmonClient({ host: "127.0.0.1", port: fleet.reference.ntpPort, timeoutMs: 50, retries: 2 });
    await expect(client.tracking()).rejects.toMatchObject({
      code: "timeout",
      message: expect.stringContaining(`no reply from 127.0.0.1:${fleet.reference.ntpPort}:`),
    });
    await client.close();
  });

  it("says nothing listens on an unbound port, over IPv4 and IPv6", async () => {
    const port = await freeUdpPort();
    for (const [host, shown] of [
      ["127.0.0.1", `127.0.0.1:${port}`],
      ["::1", `[::1]:${port}`],
    ]) {
      const client = new CmdmonClient({ host, port, timeoutMs: 2000 });
      await expect(client.tracking()).rejects.toMatchObject({
        code: "unreachable",
        message: `nothing listens on ${shown} (chronyd not running or cmdport differs)`,
      });
      await client.close();
    }
  });
});

describe("concurrency", () => {
  it("answers hundreds of concurrent calls on one client (16 on the wire at a time), each with its own reply", async () => {
    const client = new CmdmonClient({ host: "::1", port: fleet.daemon.cmdPort });
    try {
      const n = await client.nSources();
      const calls = Array.from({ length: 400 }, (_, i) => {
        switch (i % 4) {
          case 0:
            return client.tracking().then((t) => `tracking ${t.refId.length}`);
          case 1:
            return client.sourceData(i % n).then((e) => `source ${i % n} ${e.source.address}`);
          case 2:
            return client.activity().then((a) => `activity ${a.online + a.offline + a.burstOnline + a.burstOffline}`);
          default:
            return client.sourceName("127.0.0.1").then((name) => `name ${name}`);
        }
      });
      const results = await Promise.all(calls);
      const addresses = await Promise.all(Array.from({ length: n }, (_, i) => client.sourceData(i).then((e) => e.source.address)));
      results.forEach((r, i) => {
        if (i % 4 === 0) expect(r).toBe("tracking 8");
        if (i % 4 === 1) expect(r).toBe(`source ${i % n} ${addresses[i % n]}`);
        if (i % 4 === 2) expect(r).toBe("activity 4");
        if (i % 4 === 3) expect(r).toBe("name localhost");
      });
    } finally {
      await client.close();
    }
  });

  it("queryMany streams answers from live hosts while a silent one is still timing out", async () => {
    const silent = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    try {
      const endpoints = [
        { host: "127.0.0.1", port: silentPort, label: "silent" },
        ...plain.map((d, i) => ({ host: i % 2 ? "::1" : "127.0.0.1", port: d.cmdPort, label: `plain${i}` })),
        { host: "127.0.0.1", port: fleet.daemon.cmdPort, label: "fleet" },
      ];
      const started = Date.now();
      const seen: { label: string; ok: boolean; ms: number }[] = [];
      for await (const result of queryMany(endpoints, (client) => client.tracking(), { concurrency: 2, client: { timeoutMs: 300, retries: 2 } })) {
        const r = result as EndpointResult<(typeof endpoints)[number], Tracking>;
        seen.push({ label: r.endpoint.label, ok: r.ok, ms: Date.now() - started });
      }
      expect(seen.map((s) => s.label).sort()).toEqual(endpoints.map((e) => e.label).sort());
      // With 2 slots, the silent host holds one for 900 ms; the others all pass through the other.
      const live = seen.filter((s) => s.label !== "silent");
      expect(live.every((s) => s.ok)).toBe(true);
      expect(Math.max(...live.map((s) => s.ms))).toBeLessThan(800);
      const dead = seen.find((s) => s.label === "silent");
      expect(dead).toMatchObject({ ok: false });
      expect(dead!.ms).toBeGreaterThanOrEqual(890);
      expect(seen[seen.length - 1].label).toBe("silent");
    } finally {
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
