import { describe, expect, it } from "vitest";
import {
  Command,
  Reports,
  chronycFailure,
  decodeReply,
  encodeRequest,
  ipAddrToString,
  isCmdmonError,
  parseChronycActivity,
  parseChronycAuthData,
  parseChronycNtpData,
  parseChronycSelectData,
  parseChronycServerStats,
  parseChronycSourceStats,
  parseChronycSources,
  parseChronycTracking,
  type Report,
} from "../../../lib/cmdmon";
import { captured, exchangesOf, run, type Exchange } from "./captured";

// Real chronyd 4.3 replies against what chronyc printed for the very same replies: the codec must
// read every field as chronyc does, up to chronyc's rounding. And our requests must be chronyc's,
// byte for byte, given the same sequence and attempt.

const BY_COMMAND = new Map<number, Report<never, unknown>>(Object.values(Reports).map((r) => [r.command, r as Report<never, unknown>]));

function decode(e: Exchange): unknown {
  const report = BY_COMMAND.get(e.command);
  if (!report) throw new Error(`no report for command ${e.command}`);
  const args = report.requestBodyLength === 4 ? [e.index] : report.requestBodyLength === 20 ? [e.address] : [];
  return decodeReply(report as Report<unknown[], unknown>, e.reply, e.sequence, ...args);
}

function decoded<T>(exchanges: readonly Exchange[], command: number): T[] {
  return exchanges.filter((e) => e.command === command).map((e) => decode(e) as T);
}

/** Equal, except numbers in `decimals`, which chronyc rounded to that many places. */
function expectAsPrinted(printed: object, ours: object, decimals: Readonly<Record<string, number>>, where: string): void {
  for (const [key, value] of Object.entries(printed)) {
    const mine = (ours as Record<string, unknown>)[key];
    if (key in decimals) {
      const slack = 0.5 * 10 ** -decimals[key] + 4 * Number.EPSILON * Math.abs(value as number);
      expect(Math.abs((value as number) - (mine as number)), `${where} ${key}: chronyc printed ${value}, decoded ${mine}`).toBeLessThanOrEqual(slack);
    } else {
      expect(mine, `${where} ${key}`).toEqual(value);
    }
  }
}

const firstLines = (text: string): string[] => text.trim().split("\n");

describe("captured chronyd 4.3 exchanges", () => {
  it("cover every report of the table, and were taken from the real daemons", () => {
    const commands = new Set(
      captured.runs
        .flatMap(exchangesOf)
        .filter((e) => e.status === 0)
        .map((e) => e.command),
    );
    // RTCREPORT answers only where chronyd tracks a real RTC, which the capturing machine has not:
    // its decoder is tested on bytes laid out from the protocol reference (rtc-and-waitsync.test.ts),
    // its NORTC answer against a real chronyd (test/integration/cmdmon/rtc-and-waitsync.test.ts).
    const withoutRtc = Object.values(Reports).filter((r) => r.command !== Command.RTCREPORT);
    expect([...commands].sort((a, b) => a - b)).toEqual(withoutRtc.map((r) => r.command).sort((a, b) => a - b));
    expect(captured.chronyd).toMatch(/^chronyd \(chrony\) version 4\.3 /);
  });

  it("our request for each one is chronyc's, byte for byte", () => {
    for (const e of captured.runs.flatMap(exchangesOf)) {
      const report = BY_COMMAND.get(e.command) as Report<unknown[], unknown>;
      const args = report.requestBodyLength === 4 ? [e.index] : report.requestBodyLength === 20 ? [e.address] : [];
      const ours = encodeRequest(report, { sequence: e.sequence, attempt: e.attempt }, ...args);
      expect(ours.toString("hex"), report.name).toBe(e.request.toString("hex"));
    }
  });

  it.each([["seconds after start"], ["synchronised"]])("tracking (%s) reads as chronyc -c tracking printed it", (when) => {
    const r = run(["-c", "tracking"], when);
    const [ours] = decoded<object>(exchangesOf(r), Command.TRACKING);
    const decimals = {
      refTime: 9,
      systemTimeOffset: 9,
      lastOffset: 9,
      rmsOffset: 9,
      frequencyPpm: 3,
      residualFrequencyPpm: 3,
      skewPpm: 3,
      rootDelay: 9,
      rootDispersion: 9,
      updateInterval: 1,
    };
    const printed = parseChronycTracking(r.stdout);
    expectAsPrinted(printed, ours, decimals, "tracking");
    expect(Object.keys(ours).sort()).toEqual(Object.keys(printed).sort());
  });

  it.each([
    ["seconds after start", ["-c", "-N", "sources"]],
    ["synchronised", ["-c", "-N", "sources"]],
    ["synchronised", ["-c", "sources"]],
  ])("sources (%s, chronyc %j) read as chronyc printed them", (when, args) => {
    const r = run(args, when);
    const exchanges = exchangesOf(r);
    const entries = decoded<{ ipAddr: { family: number; bytes: Uint8Array }; source: Record<string, unknown> }>(exchanges, Command.SOURCE_DATA);
    const names = new Map(
      exchanges.filter((e) => e.command === Command.NTP_SOURCE_NAME).map((e) => [ipAddrToString(e.address), decode(e) as string]),
    );
    const printed = parseChronycSources(r.stdout);
    expect(printed).toHaveLength(entries.length);
    entries.forEach((entry, i) => {
      const shown = args.includes("-N") ? (names.get(ipAddrToString(entry.ipAddr)) ?? entry.source.address) : entry.source.address;
      expectAsPrinted(printed[i], { ...entry.source, address: shown }, { offset: 9, measuredOffset: 9, error: 9 }, `source ${i}`);
    });
    if (args.includes("-N")) expect(names.get("127.0.0.1")).toBe("localhost");
  });

  it("sourcestats, activity, serverstats, ntpdata, authdata, selectdata read as chronyc printed them", () => {
    const check = <T extends object>(args: string[], command: number, parse: (text: string) => T | T[], decimals: Record<string, number>): void => {
      const r = run(args);
      const ours = decoded<T>(exchangesOf(r), command);
      const parsed = parse(r.stdout);
      const printed = Array.isArray(parsed) ? parsed : [parsed];
      expect(printed, args.join(" ")).toHaveLength(ours.length);
      printed.forEach((p, i) => expectAsPrinted(p, ours[i], decimals, `${args.join(" ")} line ${i + 1}`));
    };
    check(["-c", "sourcestats"], Command.SOURCESTATS, parseChronycSourceStats, { frequencyPpm: 3, skewPpm: 3, offset: 9, stdDev: 9 });
    check(["-c", "activity"], Command.ACTIVITY, parseChronycActivity, {});
    check(["-c", "serverstats"], Command.SERVER_STATS, parseChronycServerStats, {});
    check(["-c", "ntpdata"], Command.NTP_DATA, parseChronycNtpData, {
      rootDelay: 6,
      rootDispersion: 6,
      refTime: 9,
      offset: 9,
      peerDelay: 9,
      peerDispersion: 9,
      responseTime: 9,
      jitterAsymmetry: 2,
    });
    check(["-c", "authdata"], Command.AUTH_DATA, parseChronycAuthData, {});
    check(["-c", "selectdata"], Command.SELECT_DATA, parseChronycSelectData, { score: 1, loLimit: 9, hiLimit: 9 });
    expect(firstLines(run(["-c", "ntpdata"]).stdout)).toHaveLength(4);
  });

  it.each([
    [["-c", "ntpdata", "192.0.2.1"], "no-such-source"],
    [["-c", "ntpdata"], "unauthorised"],
  ])("chronyd's refusal (chronyc %j) decodes to the error chronyc's message maps to", (args, code) => {
    const r = captured.runs.find((x) => x.args.join(" ") === args.join(" ") && (code === "unauthorised" ? x.transport === "udp" : true));
    if (!r) throw new Error(`no run ${args.join(" ")}`);
    const refused = exchangesOf(r).find((e) => e.command === Command.NTP_DATA);
    if (!refused) throw new Error("no NTP_DATA exchange");
    let error: unknown;
    try {
      decode(refused);
    } catch (e) {
      error = e;
    }
    expect(isCmdmonError(error) && error.code).toBe(code);
    expect(chronycFailure(r.stdout, "", 1).code).toBe(code);
  });
});
