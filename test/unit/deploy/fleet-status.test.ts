import { describe, expect, it } from "vitest";
import type { SourceReport, Tracking } from "../../../lib/cmdmon";
import { compareStatus, summarize, worstSource, type HostStatus } from "../../../lib/deploy/fleet-status";
import { formatOffset } from "../../../lib/cli/format/fleet-status";

const source = (address: string, extra: Partial<SourceReport> = {}): SourceReport => ({
  address,
  mode: "server",
  state: "selected",
  stratum: 2,
  poll: 6,
  reach: 0o377,
  lastRx: 10,
  offset: 0,
  measuredOffset: 0,
  error: 0,
  ...extra,
});

const tracking = (extra: Partial<Tracking> = {}): Tracking => ({
  refId: "0A000001",
  stratum: 3,
  leapStatus: "normal",
  systemTimeOffset: 0,
  lastOffset: 0,
  rmsOffset: 0,
  frequencyPpm: 0,
  residualFrequencyPpm: 0,
  skewPpm: 0,
  rootDelay: 0,
  rootDispersion: 0,
  updateInterval: 64,
  refTime: 0,
  ...extra,
});

const ok = (host: string, t: Partial<Tracking> = {}, sources: SourceReport[] = [source("10.0.0.1")]): HostStatus => ({
  host,
  stack: "fleet",
  address: "x",
  via: "udp",
  result: "ok",
  tracking: tracking(t),
  sources,
  synchronised: t.leapStatus !== "unsynchronised" && t.refId !== "7F7F0101",
  localReference: t.refId === "7F7F0101",
  worstSource: worstSource(sources),
});

describe("worstSource", () => {
  it("picks a source that never answered, then the worst state, then the fewest answers, then the largest offset", () => {
    const s = [source("a"), source("b", { state: "falseticker" }), source("c", { reach: 0, state: "nonselectable" })];
    expect(worstSource(s)).toEqual({ source: s[2], why: "no answer yet (reach 000)" });
    expect(worstSource(s.slice(0, 2))?.why).toBe("falseticker, reach 377");
    expect(worstSource([source("a", { reach: 0o377 }), source("b", { reach: 0o17 })])?.source.address).toBe("b");
    expect(worstSource([source("a", { offset: 0.001 }), source("b", { offset: -0.002 })])?.source.address).toBe("b");
    expect(worstSource([])).toBeUndefined();
  });
});

describe("compareStatus", () => {
  it("sorts hosts that did not answer first, then unsynchronised, then a dead source, then local clocks, then by |offset|", () => {
    const hosts = [
      ok("fine-small", { systemTimeOffset: 1e-6 }),
      ok("local", { refId: "7F7F0101" }),
      ok("fine-large", { systemTimeOffset: -2e-3 }),
      ok("dead-source", {}, [source("a"), source("b", { reach: 0 })]),
      ok("unsync", { leapStatus: "unsynchronised" }),
      { host: "gone", stack: "fleet", address: "x", via: "udp", result: "error", error: "no reply" } as HostStatus,
    ];
    expect([...hosts].sort(compareStatus).map((h) => h.host)).toEqual(["gone", "unsync", "dead-source", "local", "fine-large", "fine-small"]);
    expect(summarize(hosts)).toEqual({
      hosts: 6,
      synchronised: 3,
      localReference: 1,
      unsynchronised: 1,
      notAnswering: 1,
      worstOffset: { host: "fine-large", seconds: -2e-3 },
    });
  });
});

describe("formatOffset", () => {
  it("says slow for a clock behind NTP time (a positive correction, as chronyc), fast for one ahead", () => {
    expect(formatOffset(12e-6)).toBe("12 µs slow");
    expect(formatOffset(-3.46e-3)).toBe("3.5 ms fast");
    expect(formatOffset(2.5)).toBe("2.500 s slow");
    expect(formatOffset(0)).toBe("0");
  });
});
