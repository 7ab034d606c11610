import { describe, expect, it } from "vitest";
import {
  chronycArgs,
  chronycFailure,
  parseChronycActivity,
  parseChronycAuthData,
  parseChronycNtpData,
  parseChronycSelectData,
  parseChronycServerStats,
  parseChronycSourceStats,
  parseChronycSources,
  parseChronycTracking,
  isCmdmonError,
} from "../../../lib/cmdmon";
import * as captured from "./fixtures/chronyc-4.3";

const none = { noselect: false, prefer: false, trust: false, require: false };

describe("chronyc -c tracking", () => {
  it("reads every field, signs as printed", () => {
    expect(parseChronycTracking(captured.tracking)).toEqual({
      refId: "CF404DC8",
      refName: "::1",
      stratum: 6,
      leapStatus: "normal",
      refTime: 1795670226.0518682,
      systemTimeOffset: -0.000004482,
      lastOffset: 0.000000355,
      rmsOffset: 0.000001375,
      frequencyPpm: 0.052,
      residualFrequencyPpm: 0.002,
      skewPpm: 0.307,
      rootDelay: 0.000012936,
      rootDispersion: 0.000001669,
      updateInterval: 2.0,
    });
  });

  it("leaves refName out when chronyc prints none (unsynchronised)", () => {
    const t = parseChronycTracking(
      "00000000,,0,0.000000000,0.000000000,0.000000000,0.000000000,0.000,0.000,0.000,1.000000000,1.000000000,0.0,Not synchronised\n",
    );
    expect(t).toMatchObject({ refId: "00000000", stratum: 0, leapStatus: "unsynchronised", refTime: 0 });
    expect(t).not.toHaveProperty("refName");
  });
});

describe("chronyc -c sources", () => {
  it("reads modes, states, octal reach and 'no sample' LastRx; names come from a -N run", () => {
    const sources = parseChronycSources(captured.sources, captured.sourcesNamed);
    expect(sources).toEqual([
      {
        address: "SHM0",
        mode: "refclock",
        state: "nonselectable",
        stratum: 0,
        poll: 4,
        reach: 0,
        lastRx: null,
        offset: 0,
        measuredOffset: 0,
        error: 0,
      },
      {
        address: "GPS",
        mode: "refclock",
        state: "nonselectable",
        stratum: 0,
        poll: 4,
        reach: 0,
        lastRx: null,
        offset: 0,
        measuredOffset: 0,
        error: 0,
      },
      {
        address: "127.0.0.1",
        name: "localhost",
        mode: "server",
        state: "nonselectable",
        stratum: 5,
        poll: 1,
        reach: 0o377,
        lastRx: 2,
        offset: -0.000001311,
        measuredOffset: -0.000001628,
        error: 0.000005311,
      },
      {
        address: "::1",
        name: "::1",
        mode: "server",
        state: "selected",
        stratum: 5,
        poll: 1,
        reach: 255,
        lastRx: 0,
        offset: 0.000000287,
        measuredOffset: 0.000000642,
        error: 0.000006527,
      },
      {
        address: "127.0.0.3",
        name: "127.0.0.3",
        mode: "server",
        state: "nonselectable",
        stratum: 0,
        poll: 7,
        reach: 0,
        lastRx: null,
        offset: 0,
        measuredOffset: 0,
        error: 0,
      },
      {
        address: "127.0.0.2",
        name: "127.0.0.2",
        mode: "peer",
        state: "nonselectable",
        stratum: 5,
        poll: 1,
        reach: 0o177,
        lastRx: 2,
        offset: -0.000000098,
        measuredOffset: 0.000000221,
        error: 0.000006833,
      },
    ]);
  });

  it("reads combined and not-combined states; no names without a -N run", () => {
    const sources = parseChronycSources(captured.earlySources);
    expect(sources.map((s) => [s.address, s.state, s.reach])).toEqual([
      ["SHM0", "nonselectable", 0],
      ["127.0.0.1", "combined", 0o77],
      ["::1", "selected", 0o37],
      ["127.0.0.3", "nonselectable", 0],
      ["127.0.0.2", "notCombined", 0o7],
    ]);
    expect(sources.every((s) => s.name === undefined)).toBe(true);
  });

  it("reads all six state characters and an empty list", () => {
    const line = (state: string): string => `^,${state},192.0.2.1,2,6,377,10,0.000000001,0.000000002,0.000000003`;
    expect(parseChronycSources(["*", "+", "-", "?", "x", "~"].map(line).join("\n")).map((s) => s.state)).toEqual([
      "selected",
      "combined",
      "notCombined",
      "nonselectable",
      "falseticker",
      "jittery",
    ]);
    expect(parseChronycSources("")).toEqual([]);
  });

  it("drops a '?' name (chronyc could not get it) and refuses lists of different lengths", () => {
    const named = captured.sourcesNamed.replace("localhost", "?");
    expect(parseChronycSources(captured.sources, named)[2]).not.toHaveProperty("name");
    const shorter = captured.sourcesNamed.split("\n").slice(1).join("\n");
    expect(() => parseChronycSources(captured.sources, shorter)).toThrow(/changed between the two chronyc runs \(6 entries, then 5\)/);
  });
});

describe("chronyc -c sourcestats", () => {
  it("reads every field; refclocks get no name", () => {
    const stats = parseChronycSourceStats(captured.sourcestats, captured.sourcestatsNamed);
    expect(stats[0]).toEqual({ address: "SHM0", samples: 0, runs: 0, spanSeconds: 0, frequencyPpm: 0, skewPpm: 2000, offset: 0, stdDev: 4 });
    expect(stats[2]).toEqual({
      address: "127.0.0.1",
      name: "localhost",
      samples: 8,
      runs: 7,
      spanSeconds: 12,
      frequencyPpm: 0.089,
      skewPpm: 0.469,
      offset: -0.000000767,
      stdDev: 0.000000768,
    });
    expect(stats[5]).toMatchObject({ address: "127.0.0.2", name: "127.0.0.2", frequencyPpm: -0.005 });
  });
});

describe("chronyc -c ntpdata", () => {
  it("reads server, authenticated server, never-heard and passive peer entries", () => {
    const [local, keyed, dead, peer] = parseChronycNtpData(captured.ntpdata);
    expect(local).toEqual({
      remoteAddress: "127.0.0.1",
      remotePort: 12123,
      localAddress: "127.0.0.1",
      leapStatus: "normal",
      version: 4,
      mode: "server",
      stratum: 5,
      poll: 1,
      precision: -25,
      rootDelay: 0,
      rootDispersion: 0,
      refId: "7F7F0101",
      refTime: 1795670211.1451015,
      offset: -0.000046608,
      peerDelay: 0.000104866,
      peerDispersion: 0.000000059,
      responseTime: 0.000060153,
      jitterAsymmetry: 0,
      tests: { test1: true, test2: true, test3: true, test5: true, test6: true, test7: true, testA: true, testB: true, testC: false, testD: true },
      testBits: 0b1111111101,
      interleaved: false,
      authenticated: false,
      txTimestamping: "kernel",
      rxTimestamping: "kernel",
      totalTx: 10,
      totalRx: 10,
      totalValidRx: 10,
      totalGoodRx: 8,
    });
    expect(keyed).toMatchObject({ remoteAddress: "::1", version: 3, authenticated: true, testBits: 0x3ff });
    expect(dead).toMatchObject({
      remoteAddress: "127.0.0.3",
      remotePort: 9,
      localAddress: null,
      mode: "unknown",
      stratum: 0,
      testBits: 0,
      txTimestamping: "unknown",
      totalTx: 7,
      totalRx: 0,
    });
    expect(peer).toMatchObject({ remoteAddress: "127.0.0.2", localAddress: "127.0.0.1", mode: "symmetricPassive" });
    expect(parseChronycNtpData(captured.laterNtpdataLine)[0].jitterAsymmetry).toBe(0.45);
  });

  it("keeps the refid text chronyc shows for stratum 1 servers", () => {
    const line = captured.laterNtpdataLine.replace(",5,2,4,-25,", ",1,2,4,-25,").replace("7F7F0101,,", "47505300,GPS,");
    expect(parseChronycNtpData(line)[0]).toMatchObject({ stratum: 1, refId: "47505300", refName: "GPS" });
  });
});

describe("chronyc -c authdata", () => {
  it("reads a symmetric key and unauthenticated sources", () => {
    const data = parseChronycAuthData(captured.authdata, captured.authdataNamed);
    expect(data[0]).toEqual({
      address: "127.0.0.1",
      name: "localhost",
      mode: "none",
      keyId: 0,
      keyType: 0,
      keyLengthBits: 0,
      lastKeAgo: null,
      keAttempts: 0,
      nak: 0,
      cookies: 0,
      cookieLength: 0,
    });
    expect(data[1]).toMatchObject({ address: "::1", mode: "symmetric", keyId: 1, keyType: 3, keyLengthBits: 256 });
  });

  it("reads an NTS line", () => {
    expect(parseChronycAuthData("192.0.2.7,NTS,1,15,256,3600,1,0,8,100\n")[0]).toMatchObject({
      mode: "nts",
      keyType: 15,
      lastKeAgo: 3600,
      keAttempts: 1,
      nak: 0,
      cookies: 8,
      cookieLength: 100,
    });
  });
});

describe("chronyc -c selectdata", () => {
  it("reads states, authentication, configured and effective options, leap text", () => {
    const data = parseChronycSelectData(captured.selectdata, captured.selectdataNamed);
    expect(data[0]).toEqual({
      address: "SHM0",
      stateChar: "s",
      authenticated: false,
      configuredOptions: none,
      effectiveOptions: { ...none, trust: true, require: true },
      lastSampleAgo: 0,
      score: 1,
      loLimit: 0,
      hiLimit: 0,
      leapStatus: "unsynchronised",
    });
    expect(data[2]).toMatchObject({
      address: "127.0.0.1",
      name: "localhost",
      stateChar: "T",
      loLimit: -0.000007112,
      hiLimit: 0.000005592,
      lastSampleAgo: 2,
    });
    expect(data[3]).toMatchObject({
      address: "::1",
      stateChar: "*",
      authenticated: true,
      configuredOptions: { ...none, prefer: true, trust: true },
      effectiveOptions: { ...none, prefer: true, trust: true, require: true },
    });
    expect(data[4]).toMatchObject({ stateChar: "N", configuredOptions: { ...none, noselect: true }, effectiveOptions: { ...none, noselect: true } });
    expect(data[5]).toMatchObject({ address: "127.0.0.2", configuredOptions: { ...none, require: true } });
    expect(parseChronycSelectData(captured.earlySelectdata)[4]).toMatchObject({ stateChar: "D", loLimit: -0.002696531 });
  });
});

describe("chronyc -c serverstats and activity", () => {
  it("maps chronyc's column order to the counters", () => {
    expect(parseChronycServerStats("1,2,3,4,5,6,7,8,9,10,11\n")).toEqual({
      ntpHits: 1,
      ntpDrops: 2,
      cmdHits: 3,
      cmdDrops: 4,
      logDrops: 5,
      nkeHits: 6,
      nkeDrops: 7,
      ntpAuthHits: 8,
      ntpInterleavedHits: 9,
      ntpTimestamps: 10,
      ntpSpanSeconds: 11,
    });
    expect(parseChronycServerStats(captured.serverstats).cmdHits).toBe(165);
  });

  it("reads activity", () => {
    expect(parseChronycActivity(captured.activity)).toEqual({ online: 3, offline: 0, burstOnline: 1, burstOffline: 0, unresolved: 0 });
  });
});

describe("chronyc errors and bad output", () => {
  const codeOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (error) {
      if (isCmdmonError(error)) return error.code;
      throw error;
    }
    return "none";
  };

  it("turns chronyc's status lines into the matching error", () => {
    expect(codeOf(() => parseChronycNtpData(captured.notAuthorised))).toBe("unauthorised");
    expect(() => parseChronycNtpData(captured.notAuthorised)).toThrow(/only served on chronyd's Unix socket; run chronyc as root or _chrony/);
    expect(codeOf(() => parseChronycTracking(captured.cannotTalk))).toBe("unreachable");
    expect(codeOf(() => parseChronycNtpData(captured.noSuchSource))).toBe("no-such-source");
  });

  it("explains a failed run from its outputs", () => {
    expect(chronycFailure(captured.notAuthorised, "", 1).code).toBe("unauthorised");
    expect(chronycFailure(captured.cannotTalk, "", 1).message).toMatch(/506 Cannot talk to daemon.*is chronyd running/);
    const noSocket = chronycFailure("", captured.couldNotOpen, 1);
    expect(noSocket.code).toBe("chronyc-output");
    expect(noSocket.message).toBe(
      "chronyc failed (exit 1): Could not open connection to daemon: check that chronyc is installed and chronyd is running on the host",
    );
  });

  // Generated lines and bad fields for every report: chronyc-csv-properties.test.ts.
  it("names the report, line and field of a bad value", () => {
    expect(() => parseChronycSources("^,*,192.0.2.1,2,6,378,10,0.1,0.2,0.3\n")).toThrow(
      "chronyc -c sources, line 1, field 6: expected an octal reach register (0 to 377), got '378': is this chrony 4.3's chronyc -c output?",
    );
    expect(() => parseChronycTracking(captured.tracking.replace("0.052", "0.05x"))).toThrow(/field 8: expected a decimal number, got '0.05x'/);
    expect(() => parseChronycSources("^,*,192.0.2.1\n")).toThrow(/line 1: 3 fields, expected 10/);
    expect(() => parseChronycTracking(captured.tracking + captured.tracking)).toThrow(/printed 2 lines, expected 1/);
    expect(() => parseChronycTracking("")).toThrow(/printed 0 lines, expected 1/);
    expect(() => parseChronycSelectData(captured.selectdata.replace("N,-,-,-,-,-,-,-,T,R,-", "N,-,X,-,-,-,-,-,T,R,-"))).toThrow(
      /expected 'P' or '-'/,
    );
  });
});

describe("chronycArgs", () => {
  const prefix = ["chronyc", "-h", "/run/chrony/chronyd.sock"] as const;
  it("appends -c and the report to the invocation prefix", () => {
    expect(chronycArgs(prefix, "ntpdata")).toEqual(["chronyc", "-h", "/run/chrony/chronyd.sock", "-c", "ntpdata"]);
    expect(chronycArgs(["sudo", "chronyc"], "serverstats")).toEqual(["sudo", "chronyc", "-c", "serverstats"]);
  });

  it("adds -N, -a and an ntpdata address where they apply", () => {
    expect(chronycArgs(prefix, "sources", { names: true, all: true })).toEqual([...prefix, "-N", "-c", "sources", "-a"]);
    expect(chronycArgs(prefix, "tracking", { all: true })).toEqual([...prefix, "-c", "tracking"]);
    expect(chronycArgs(prefix, "ntpdata", { address: "::1" })).toEqual([...prefix, "-c", "ntpdata", "::1"]);
    expect(() => chronycArgs(prefix, "ntpdata", { address: "1.2.3.4; rm -rf /" })).toThrow(/not an IP address/);
    expect(() => chronycArgs(prefix, "sources", { address: "::1" })).toThrow(/only ntpdata takes an address/);
  });
});
