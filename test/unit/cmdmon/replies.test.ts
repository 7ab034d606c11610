import { describe, expect, it } from "vitest";
import { Reports, decodeReply, parseIpAddr, type IpAddr } from "../../../lib/cmdmon";
import { SEQUENCE, bytes, header, ipBlock, u16, u32, zeros } from "./reply-bytes";

// Floats used below, with their exact values (chrony's 32-bit format):
// 04800000 = 1.0 · 02800000 = 0.5 · 03000000 = −1.0 · 08800000 = 4.0
// f0800000 = 2^−10 · f3c00000 = −2^−10 · ff787844 = −8882108 × 2^−26 (−0.1323537…)
const F1 = "04800000";
const F_HALF = "02800000";
const F_MINUS1 = "03000000";
const F4 = "08800000";
const F_2M10 = "f0800000";
const F_MINUS_2M10 = "f3c00000";
const F_FREQ = "ff787844";

function address(text: string): IpAddr {
  const addr = parseIpAddr(text);
  if (!addr) throw new Error(text);
  return addr;
}

describe("N_SOURCES reply (2, 32 bytes)", () => {
  it("reads the count", () => {
    expect(decodeReply(Reports.N_SOURCES, bytes(header({ command: 14, reply: 2 }), "00000007"), SEQUENCE)).toBe(7);
  });

  it("takes counts up to MAX_SOURCES and refuses larger ones, naming the field and the value", () => {
    expect(decodeReply(Reports.N_SOURCES, bytes(header({ command: 14, reply: 2 }), u32(65_536)), SEQUENCE)).toBe(65_536);
    for (const count of [65_537, 1_000_000, 2 ** 32 - 1]) {
      expect(() => decodeReply(Reports.N_SOURCES, bytes(header({ command: 14, reply: 2 }), u32(count)), SEQUENCE)).toThrow(
        expect.objectContaining({
          code: "malformed",
          message: `N_SOURCES reply announces ${count} sources (field n_sources), more than the 65536 this client accepts from any chronyd: check that the port is chronyd's cmdport`,
        }),
      );
    }
  });
});

describe("TRACKING reply (5, 104 bytes)", () => {
  const body = (refId: string, ip: string, stratum: number, leap: number, time: string, floats: string[]): Buffer =>
    bytes(header({ command: 33, reply: 5 }), refId, ip, u16(stratum), u16(leap), time, ...floats);

  it("decodes a synchronised IPv4 reference", () => {
    const reply = body("7f000001", ipBlock("7f000001", 1), 6, 0, "00000000" + "6a000000" + "1dcd6500", [
      F_MINUS_2M10,
      F_HALF,
      F1,
      F_FREQ,
      F_MINUS1,
      F4,
      F_2M10,
      F_HALF,
      F1,
    ]);
    expect(reply.length).toBe(104);
    expect(decodeReply(Reports.TRACKING, reply, SEQUENCE)).toEqual({
      refId: "7F000001",
      refName: "127.0.0.1",
      stratum: 6,
      leapStatus: "normal",
      refTime: 0x6a000000 + 0.5,
      systemTimeOffset: -(2 ** -10),
      lastOffset: 0.5,
      rmsOffset: 1,
      frequencyPpm: -8882108 * 2 ** -26,
      residualFrequencyPpm: -1,
      skewPpm: 4,
      rootDelay: 2 ** -10,
      rootDispersion: 0.5,
      updateInterval: 1,
    });
  });

  it("decodes the unsynchronised state as chronyd sends it (no refName, refTime 0)", () => {
    const reply = body("00000000", ipBlock("", 0), 0, 3, zeros(12), [zeros(4), zeros(4), zeros(4), zeros(4), zeros(4), zeros(4), F1, F1, zeros(4)]);
    const t = decodeReply(Reports.TRACKING, reply, SEQUENCE);
    expect(t).toMatchObject({ refId: "00000000", stratum: 0, leapStatus: "unsynchronised", refTime: 0, rootDelay: 1, rootDispersion: 1 });
    expect(t).not.toHaveProperty("refName");
  });

  it("names a refclock reference by its refid text and the local reference not at all", () => {
    const floats = new Array<string>(9).fill(zeros(4));
    const gps = decodeReply(Reports.TRACKING, body("47505300", ipBlock("", 0), 1, 0, zeros(12), floats), SEQUENCE);
    expect(gps.refName).toBe("GPS");
    const local = decodeReply(Reports.TRACKING, body("7f7f0101", ipBlock("", 0), 10, 0, zeros(12), floats), SEQUENCE);
    expect(local.refId).toBe("7F7F0101");
    expect(local).not.toHaveProperty("refName");
  });

  it("names an IPv6 reference by its address, refid being the MD5-derived ID", () => {
    const floats = new Array<string>(9).fill(zeros(4));
    const t = decodeReply(Reports.TRACKING, body("cf404dc8", ipBlock("20010db8" + zeros(11) + "01", 2), 3, 1, zeros(12), floats), SEQUENCE);
    expect(t).toMatchObject({ refId: "CF404DC8", refName: "2001:db8::1", leapStatus: "insert" });
  });

  it("treats a 0x7FFFFFFF high-seconds word as 0 and clamps nanoseconds", () => {
    const floats = new Array<string>(9).fill(zeros(4));
    const t = decodeReply(Reports.TRACKING, body("00000000", ipBlock("", 0), 0, 2, "7fffffff" + "00000010" + "ffffffff", floats), SEQUENCE);
    expect(t.refTime).toBe(16 + 0.999999999);
    expect(t.leapStatus).toBe("delete");
  });
});

describe("SOURCE_DATA reply (3, 76 bytes)", () => {
  const reply = (ip: string, poll: string, stratum: number, state: number, mode: number, reach: number, since: string, floats: string[]): Buffer =>
    bytes(header({ command: 15, reply: 3 }), ip, poll, u16(stratum), u16(state), u16(mode), "0000", u16(reach), since, ...floats);

  it("decodes an NTP peer and keeps the address block for follow-up queries", () => {
    const entry = decodeReply(
      Reports.SOURCE_DATA,
      reply(ipBlock("c0000201", 1), "fffa", 2, 4, 1, 0xff, "0000002a", [F_HALF, F_MINUS_2M10, F1]),
      SEQUENCE,
      0,
    );
    expect(entry.source).toEqual({
      address: "192.0.2.1",
      mode: "peer",
      state: "combined",
      stratum: 2,
      poll: -6,
      reach: 255,
      lastRx: 42,
      offset: -(2 ** -10),
      measuredOffset: 0.5,
      error: 1,
    });
    expect(entry.ipAddr.family).toBe(1);
    expect(Buffer.from(entry.ipAddr.bytes).toString("hex")).toBe("c0000201" + zeros(12));
  });

  it("shows a refclock by its refid (sent as an INET4 address) and no sample as lastRx null", () => {
    const entry = decodeReply(
      Reports.SOURCE_DATA,
      reply(ipBlock("47505300", 1), "0004", 0, 1, 2, 0, "ffffffff", [zeros(4), zeros(4), zeros(4)]),
      SEQUENCE,
      0,
    );
    expect(entry.source).toMatchObject({ address: "GPS", mode: "refclock", state: "nonselectable", lastRx: null, poll: 4 });
  });

  it("shows an unresolved source as chronyc -a does", () => {
    const entry = decodeReply(
      Reports.SOURCE_DATA,
      reply(ipBlock("00000001", 3), "0006", 0, 1, 0, 0, "ffffffff", [zeros(4), zeros(4), zeros(4)]),
      SEQUENCE,
      0,
    );
    expect(entry.source.address).toBe("ID#0000000001");
    expect(entry.source.mode).toBe("server");
  });

  it.each([
    [0, "selected"],
    [1, "nonselectable"],
    [2, "falseticker"],
    [3, "jittery"],
    [4, "combined"],
    [5, "notCombined"],
  ])("maps state %d to %s", (state, name) => {
    const entry = decodeReply(Reports.SOURCE_DATA, reply(ipBlock("7f000001", 1), "0006", 1, state, 0, 1, "00000001", [F1, F1, F1]), SEQUENCE, 0);
    expect(entry.source.state).toBe(name);
  });

  it("refuses modes, states and reach values chronyd never sends", () => {
    const floats = [F1, F1, F1];
    expect(() => decodeReply(Reports.SOURCE_DATA, reply(ipBlock("7f000001", 1), "0006", 1, 0, 3, 1, "00000001", floats), SEQUENCE, 0)).toThrow(
      expect.objectContaining({ code: "malformed" }),
    );
    expect(() => decodeReply(Reports.SOURCE_DATA, reply(ipBlock("7f000001", 1), "0006", 1, 6, 0, 1, "00000001", floats), SEQUENCE, 0)).toThrow(
      expect.objectContaining({ code: "malformed" }),
    );
    expect(() => decodeReply(Reports.SOURCE_DATA, reply(ipBlock("7f000001", 1), "0006", 1, 0, 0, 0x100, "00000001", floats), SEQUENCE, 0)).toThrow(
      expect.objectContaining({ code: "malformed" }),
    );
  });
});

describe("NTP_SOURCE_NAME reply (19, 284 bytes)", () => {
  const withName = (nameHex: string): Buffer => bytes(header({ command: 65, reply: 19 }), nameHex.padEnd(512, "0"));

  it("reads the NUL-padded name", () => {
    expect(decodeReply(Reports.NTP_SOURCE_NAME, withName(Buffer.from("ntp1.example.com").toString("hex")), SEQUENCE, address("192.0.2.1"))).toBe(
      "ntp1.example.com",
    );
  });

  it("refuses a name without its terminator, as chronyc does", () => {
    expect(() => decodeReply(Reports.NTP_SOURCE_NAME, withName("61".repeat(256)), SEQUENCE, address("192.0.2.1"))).toThrow(
      expect.objectContaining({ code: "malformed" }),
    );
  });

  it("refuses control characters in the name", () => {
    expect(() => decodeReply(Reports.NTP_SOURCE_NAME, withName("610a62"), SEQUENCE, address("192.0.2.1"))).toThrow(
      expect.objectContaining({ code: "malformed" }),
    );
  });
});

describe("SOURCESTATS reply (6, 84 bytes)", () => {
  it("decodes an NTP source (sd comes first on the wire)", () => {
    const reply = bytes(
      header({ command: 34, reply: 6 }),
      "7f000001",
      ipBlock("7f000001", 1),
      u32(16),
      u32(5),
      u32(256),
      F1,
      F_MINUS1,
      F4,
      F_HALF,
      F_2M10,
    );
    expect(decodeReply(Reports.SOURCESTATS, reply, SEQUENCE, 0)).toEqual({
      address: "127.0.0.1",
      samples: 16,
      runs: 5,
      spanSeconds: 256,
      frequencyPpm: -1,
      skewPpm: 4,
      offset: 0.5,
      stdDev: 1,
      offsetError: 2 ** -10,
    });
  });

  it("names a refclock (family 0) by its refid", () => {
    const reply = bytes(header({ command: 34, reply: 6 }), "53484d30", ipBlock("", 0), zeros(12), zeros(20));
    expect(decodeReply(Reports.SOURCESTATS, reply, SEQUENCE, 0).address).toBe("SHM0");
  });
});

describe("ACTIVITY reply (12, 48 bytes)", () => {
  it("reads the five counters", () => {
    const reply = bytes(header({ command: 44, reply: 12 }), u32(3), u32(1), u32(2), u32(0), u32(4));
    expect(decodeReply(Reports.ACTIVITY, reply, SEQUENCE)).toEqual({ online: 3, offline: 1, burstOnline: 2, burstOffline: 0, unresolved: 4 });
  });
});

describe("NTP_DATA reply (16, 152 bytes)", () => {
  it("decodes every field", () => {
    const reply = bytes(
      header({ command: 57, reply: 16 }),
      ipBlock("c0000201", 1),
      ipBlock("c0000202", 1),
      "007b", // remote port 123
      "00", // leap
      "04", // version
      "04", // mode: server
      "01", // stratum
      "06", // poll
      "e7", // precision −25
      F1, // root delay
      F_HALF, // root dispersion
      "47505300", // refid "GPS"
      "00000000" + "6a000000" + "1dcd6500",
      F_MINUS_2M10, // offset
      F_2M10, // peer delay
      F4, // peer dispersion
      F_HALF, // response time
      F_MINUS1, // jitter asymmetry
      "c3fe", // authenticated, interleaved, tests: all passed but D
      "4b", // 'K'
      "48", // 'H'
      u32(10),
      u32(9),
      u32(8),
      u32(7),
      "ff".repeat(12),
    );
    expect(reply.length).toBe(152);
    expect(decodeReply(Reports.NTP_DATA, reply, SEQUENCE, address("192.0.2.1"))).toEqual({
      remoteAddress: "192.0.2.1",
      remotePort: 123,
      localAddress: "192.0.2.2",
      leapStatus: "normal",
      version: 4,
      mode: "server",
      stratum: 1,
      poll: 6,
      precision: -25,
      rootDelay: 1,
      rootDispersion: 0.5,
      refId: "47505300",
      refName: "GPS",
      refTime: 0x6a000000 + 0.5,
      offset: -(2 ** -10),
      peerDelay: 2 ** -10,
      peerDispersion: 4,
      responseTime: 0.5,
      jitterAsymmetry: -1,
      tests: {
        test1: true,
        test2: true,
        test3: true,
        test5: true,
        test6: true,
        test7: true,
        testA: true,
        testB: true,
        testC: true,
        testD: false,
      },
      testBits: 0x3fe,
      interleaved: true,
      authenticated: true,
      txTimestamping: "kernel",
      rxTimestamping: "hardware",
      totalTx: 10,
      totalRx: 9,
      totalValidRx: 8,
      totalGoodRx: 7,
    });
  });

  it("reads a source never heard from: no local address, mode unknown, refid text hidden above stratum 1", () => {
    const reply = bytes(
      header({ command: 57, reply: 16 }),
      ipBlock("7f000003", 1),
      ipBlock("", 0),
      "0009",
      "00",
      "00",
      "00",
      "02",
      "00",
      "00",
      F1,
      zeros(4),
      "47505300",
      zeros(12),
      zeros(20),
      "0000",
      "00",
      "00",
      u32(3),
      zeros(12),
      "ff".repeat(12),
    );
    const d = decodeReply(Reports.NTP_DATA, reply, SEQUENCE, address("192.0.2.1"));
    expect(d).toMatchObject({ localAddress: null, mode: "unknown", txTimestamping: "unknown", testBits: 0, authenticated: false, totalTx: 3 });
    expect(d).not.toHaveProperty("refName");
    expect(d.tests.test1).toBe(false);
  });

  it("maps the test bits in chrony's order (test1 is bit 9, testD bit 0)", () => {
    const reply = (flags: string): Buffer =>
      bytes(
        header({ command: 57, reply: 16 }),
        ipBlock("7f000001", 1),
        ipBlock("", 0),
        zeros(8),
        zeros(8),
        zeros(4),
        zeros(12),
        zeros(20),
        flags,
        zeros(18),
        "ff".repeat(12),
      );
    expect(decodeReply(Reports.NTP_DATA, reply("0200"), SEQUENCE, address("192.0.2.1")).tests).toMatchObject({
      test1: true,
      test2: false,
      testD: false,
    });
    expect(decodeReply(Reports.NTP_DATA, reply("0001"), SEQUENCE, address("192.0.2.1")).tests).toMatchObject({ test1: false, testD: true });
    expect(decodeReply(Reports.NTP_DATA, reply("0040"), SEQUENCE, address("192.0.2.1")).tests).toMatchObject({
      test5: true,
      test3: false,
      test6: false,
    });
  });
});

describe("AUTH_DATA reply (20, 52 bytes)", () => {
  it("decodes a symmetric key", () => {
    const reply = bytes(header({ command: 67, reply: 20 }), "0001", "0003", u32(42), "0100", "0000", "ffffffff", "0000", "0000", "0000", "0000");
    expect(decodeReply(Reports.AUTH_DATA, reply, SEQUENCE, address("192.0.2.1"))).toEqual({
      address: "192.0.2.1",
      mode: "symmetric",
      keyId: 42,
      keyType: 3,
      keyLengthBits: 256,
      lastKeAgo: null,
      keAttempts: 0,
      nak: 0,
      cookies: 0,
      cookieLength: 0,
    });
  });

  it("decodes NTS", () => {
    const reply = bytes(header({ command: 67, reply: 20 }), "0002", "000f", u32(1), "0100", "0002", u32(60), "0008", "0064", "0001", "0000");
    expect(decodeReply(Reports.AUTH_DATA, reply, SEQUENCE, address("2001:db8::1"))).toMatchObject({
      address: "2001:db8::1",
      mode: "nts",
      keyType: 15,
      lastKeAgo: 60,
      keAttempts: 2,
      cookies: 8,
      cookieLength: 100,
      nak: 1,
    });
  });
});

describe("SELECT_DATA reply (23, 76 bytes)", () => {
  it("decodes every field", () => {
    const reply = bytes(
      header({ command: 69, reply: 23 }),
      "7f000001",
      ipBlock("7f000001", 1),
      "2a",
      "01",
      "00",
      "00",
      "0002",
      "000a",
      u32(3),
      F1,
      F_MINUS_2M10,
      F_2M10,
    );
    expect(decodeReply(Reports.SELECT_DATA, reply, SEQUENCE, 0)).toEqual({
      address: "127.0.0.1",
      stateChar: "*",
      authenticated: true,
      configuredOptions: { noselect: false, prefer: true, trust: false, require: false },
      effectiveOptions: { noselect: false, prefer: true, trust: false, require: true },
      lastSampleAgo: 3,
      score: 1,
      loLimit: -(2 ** -10),
      hiLimit: 2 ** -10,
      leapStatus: "normal",
    });
  });

  it("names a refclock by its refid and refuses a non-printable state", () => {
    const ok = bytes(header({ command: 69, reply: 23 }), "53484d30", ipBlock("", 0), "73", "00", "03", "00", "0001", "0001", zeros(16));
    expect(decodeReply(Reports.SELECT_DATA, ok, SEQUENCE, 0)).toMatchObject({ address: "SHM0", stateChar: "s", leapStatus: "unsynchronised" });
    const bad = bytes(header({ command: 69, reply: 23 }), "53484d30", ipBlock("", 0), "00", "00", "03", "00", "0001", "0001", zeros(16));
    expect(() => decodeReply(Reports.SELECT_DATA, bad, SEQUENCE, 0)).toThrow(expect.objectContaining({ code: "malformed" }));
  });
});

describe("SERVER_STATS reply (24, 72 bytes)", () => {
  it("reads the 11 counters in wire order", () => {
    const reply = bytes(header({ command: 54, reply: 24 }), ...Array.from({ length: 11 }, (_, i) => u32(i + 1)));
    expect(decodeReply(Reports.SERVER_STATS, reply, SEQUENCE)).toEqual({
      ntpHits: 1,
      nkeHits: 2,
      cmdHits: 3,
      ntpDrops: 4,
      nkeDrops: 5,
      cmdDrops: 6,
      logDrops: 7,
      ntpAuthHits: 8,
      ntpInterleavedHits: 9,
      ntpTimestamps: 10,
      ntpSpanSeconds: 11,
    });
  });
});
