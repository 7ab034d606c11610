import { describe, expect, it } from "vitest";
import {
  Reports,
  decodeReply,
  encodeRequest,
  formatRtcData,
  formatRtcDataCsv,
  formatSyncTry,
  notSynchronised,
  parseChronycRtcData,
  waitSync,
  type Tracking,
} from "../../../lib/cmdmon";
import { printfFixed } from "../../../lib/cmdmon/chronyc";
import { SEQUENCE, bytes, header, u16, u32 } from "./reply-bytes";

// RTCREPORT (35) on bytes laid out as the protocol reference gives it (reply 7, 56 bytes:
// @28 Timespec ref_time · @40 u16 n_samples · @42 u16 n_runs · @44 u32 span_seconds ·
// @48 Float rtc_seconds_fast · @52 Float rtc_gain_rate_ppm), and chronyc waitsync's test.

const F_MINUS_2M10 = "f3c00000"; // −2^−10
const F_FREQ = "ff787844"; // −8882108 × 2^−26 = −0.1323537…
const F_128TH = "f6800000"; // 2^−7 = 0.0078125: a tie at 6 decimals

const rtcReply = (fast: string, gain: string) =>
  bytes(header({ command: 35, reply: 7 }), "00000000" + "6a000000" + "0ee6b280", u16(5), u16(3), u32(1200), fast, gain);

describe("RTCREPORT (35)", () => {
  it("asks with no body, padded to the reply's 56 bytes", () => {
    const request = encodeRequest(Reports.RTCREPORT, { sequence: 0x01020304, attempt: 0 });
    expect(Buffer.from(request).toString("hex")).toBe("06010000" + "0023" + "0000" + "01020304" + "00".repeat(8) + "00".repeat(36));
  });

  it("reads every field of reply 7", () => {
    const reply = rtcReply(F_MINUS_2M10, F_FREQ);
    expect(reply.length).toBe(56);
    expect(decodeReply(Reports.RTCREPORT, reply, SEQUENCE)).toEqual({
      refTime: 0x6a000000 + 0.25,
      samples: 5,
      runs: 3,
      spanSeconds: 1200,
      rtcSecondsFast: -(2 ** -10),
      rtcGainRatePpm: -8882108 * 2 ** -26,
    });
  });

  it("refuses a short reply, and gives NORTC (13) as a status error chronyc would print as 513", () => {
    expect(() => decodeReply(Reports.RTCREPORT, rtcReply(F_MINUS_2M10, F_FREQ).subarray(0, 52), SEQUENCE)).toThrow(
      expect.objectContaining({ code: "truncated" }),
    );
    expect(() => decodeReply(Reports.RTCREPORT, bytes(header({ command: 35, reply: 1, status: 13 })), SEQUENCE)).toThrow(
      expect.objectContaining({
        code: "status",
        status: 13,
        message: "chronyd answered RTCREPORT with status 13 NORTC (no RTC driver; rtcfile not set)",
      }),
    );
  });

  it("prints what chronyc -c rtcdata prints for the same reply, C's rounding included, and reads that line back", () => {
    const r = decodeReply(Reports.RTCREPORT, rtcReply(F_MINUS_2M10, F_FREQ), SEQUENCE);
    expect(formatRtcDataCsv(r)).toBe("1778384896.250000000,5,3,1200,-0.000977,-0.132\n");
    expect(parseChronycRtcData(formatRtcDataCsv(r))).toEqual({ ...r, rtcSecondsFast: -0.000977, rtcGainRatePpm: -0.132 });
    // %.6f of 0.0078125 is "0.007812" in C (a tie goes to the even digit), not toFixed's "0.007813".
    expect(formatRtcDataCsv(decodeReply(Reports.RTCREPORT, rtcReply(F_128TH, F_FREQ), SEQUENCE))).toContain(",0.007812,");
    expect([printfFixed(0.0078125, 6), printfFixed(-0.0078125, 6), printfFixed(2.5, 0), printfFixed(0.375, 2), printfFixed(-0.1236, 3)]).toEqual([
      "0.007812",
      "-0.007812",
      "2",
      "0.38",
      "-0.124",
    ]);
  });

  it("lays it out as chronyc rtcdata does", () => {
    expect(formatRtcData(decodeReply(Reports.RTCREPORT, rtcReply(F_MINUS_2M10, F_FREQ), SEQUENCE))).toBe(
      [
        "RTC ref time (UTC) : Sun May 10 03:48:16 2026",
        "Number of samples  : 5",
        "Number of runs     : 3",
        "Sample span period :  20m",
        "RTC is fast by     :    -0.000977 seconds",
        "RTC gains time at  :    -0.132 ppm",
        "",
      ].join("\n"),
    );
  });

  it("reads chronyc's 513 as the same NORTC error", () => {
    expect(() => parseChronycRtcData("513 RTC driver not running\n")).toThrow(expect.objectContaining({ code: "status", status: 13 }));
  });
});

const tracking = (t: Partial<Tracking>): Tracking => ({
  refId: "00000000",
  stratum: 0,
  leapStatus: "unsynchronised",
  refTime: 0,
  systemTimeOffset: 0,
  lastOffset: 0,
  rmsOffset: 0,
  frequencyPpm: 0,
  residualFrequencyPpm: 0,
  skewPpm: 0,
  rootDelay: 1,
  rootDispersion: 1,
  updateInterval: 0,
  ...t,
});
const synced = tracking({ refId: "C0000201", refName: "192.0.2.1", stratum: 3, leapStatus: "normal", systemTimeOffset: -0.002, skewPpm: 0.5 });

describe("chronyc waitsync's test", () => {
  it("needs a reference that is an NTP source or a refclock, not none and not the local clock", () => {
    expect(notSynchronised(tracking({}))).toBe("not synchronised: it has no reference, refid 00000000, leap status unsynchronised");
    expect(notSynchronised(tracking({ refId: "7F7F0101", stratum: 8, leapStatus: "normal" }))).toBe(
      "not synchronised: it serves its local clock (local reference), refid 7F7F0101, leap status normal",
    );
    expect(notSynchronised(synced)).toBeUndefined();
    expect(notSynchronised(tracking({ refId: "47505300", refName: "GPS", stratum: 1, leapStatus: "normal" }))).toBeUndefined();
    // An NTP source at 127.127.1.1 has the local reference's refid, but an address: chronyc counts it.
    expect(notSynchronised(tracking({ refId: "7F7F0101", refName: "127.127.1.1", leapStatus: "normal" }))).toBeUndefined();
  });

  it("holds the correction and the skew to their bounds, 0 being none", () => {
    expect(notSynchronised(synced, { maxCorrectionSeconds: 0.001 })).toBe(
      "synchronised to 192.0.2.1, but its correction 0.002000000 s is above the 0.001 s allowed",
    );
    expect(notSynchronised(synced, { maxCorrectionSeconds: 0.01, maxSkewPpm: 0.1 })).toBe(
      "synchronised to 192.0.2.1, but its skew 0.500 ppm is above the 0.1 ppm allowed",
    );
    expect(notSynchronised(synced, { maxCorrectionSeconds: 0, maxSkewPpm: 0 })).toBeUndefined();
  });

  it("prints each try as chronyc does", () => {
    expect(formatSyncTry({ try: 2, tracking: synced })).toBe("try: 2, refid: C0000201, correction: 0.002000000, skew: 0.500");
  });
});

describe("the wait", () => {
  const replies = (...list: Array<Tracking | Error>) => {
    let i = 0;
    return async () => {
      const r = list[Math.min(i++, list.length - 1)];
      if (r instanceof Error) throw r;
      return r;
    };
  };

  it("asks until it passes; a try without an answer counts as not synchronised", async () => {
    const tries: string[] = [];
    const r = await waitSync(replies(new Error("no reply from 192.0.2.1:323"), tracking({}), synced), {
      intervalSeconds: 0.01,
      onTry: (t) => tries.push(formatSyncTry(t)),
    });
    expect(r).toMatchObject({ synchronised: true, tries: 3, tracking: synced });
    expect(tries[0]).toBe("try: 1, no answer: no reply from 192.0.2.1:323");
  });

  it("gives up at the timeout with the last try's reason, also when a try hangs past it", async () => {
    const started = Date.now();
    const r = await waitSync(replies(tracking({})), { intervalSeconds: 0.05, timeoutSeconds: 0.3 });
    expect(r).toMatchObject({ synchronised: false, problem: "not synchronised: it has no reference, refid 00000000, leap status unsynchronised" });
    expect(r.tries).toBeGreaterThanOrEqual(4);
    expect(Date.now() - started).toBeLessThan(600);
    const hang = await waitSync(() => new Promise<Tracking>(() => undefined), { intervalSeconds: 1, timeoutSeconds: 0.2 });
    expect(hang).toMatchObject({ synchronised: false, tries: 1, problem: "no answer before the timeout" });
  });

  it("reports the last answer, not 'no answer', when only the try the deadline cut off went unanswered (a slow SSH poll)", async () => {
    let n = 0;
    const slowSecond = () => (++n === 1 ? Promise.resolve(tracking({})) : new Promise<Tracking>(() => undefined));
    const r = await waitSync(slowSecond, { intervalSeconds: 0.05, timeoutSeconds: 0.3 });
    expect(r).toMatchObject({
      synchronised: false,
      tries: 2,
      problem: "not synchronised: it has no reference, refid 00000000, leap status unsynchronised",
      tracking: tracking({}),
    });
  });
});
