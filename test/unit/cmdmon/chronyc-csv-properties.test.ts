import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  isCmdmonError,
  parseChronycActivity,
  parseChronycAuthData,
  parseChronycNtpData,
  parseChronycSelectData,
  parseChronycServerStats,
  parseChronycSourceStats,
  parseChronycSources,
  parseChronycTracking,
} from "../../../lib/cmdmon";

// Properties of the `chronyc -c` reader: lines built from generated typed values, printed the way
// chronyc 4.3 prints them, read back to exactly those values; one field replaced by a token chronyc
// never prints there gives a CmdmonError naming the report, line and field. Fixed seed; fast-check
// prints it with the counterexample on failure.

const RUNS = { seed: 0x0c5c5c5c, numRuns: 300 } as const;

type Entry = Record<string, unknown>;

/** One CSV column: a generated [printed token, typed value] pair, the tokens the reader accepts, where the value lands. */
interface Column {
  readonly valid: fc.Arbitrary<readonly [token: string, value: unknown]>;
  /** Which tokens are well-formed here; absent for free text, which is never refused. */
  readonly accepts?: (token: string) => boolean;
  /** Tokens just outside the column's grammar, besides random text and generic edits of good tokens. */
  readonly misses?: fc.Arbitrary<string>;
  readonly check: (entry: Entry, value: unknown) => void;
}

const at = (entry: Entry, path: string): unknown => path.split(".").reduce<unknown>((o, k) => (o as Entry | undefined)?.[k], entry);
const lands = (path: string) => (entry: Entry, value: unknown) => expect(at(entry, path), path).toEqual(value);

/** n / 10^decimals printed as chronyc's %.Nf does, from the integer so the text is exact. */
function fixed(n: number, decimals: number): string {
  const digits = String(Math.abs(n)).padStart(decimals + 1, "0");
  const whole = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  return `${n < 0 ? "-" : ""}${whole}`;
}

const decimal = (path: string, decimals: number, max = 10 ** 12): Column => ({
  valid: fc.integer({ min: -max, max }).map((n) => [fixed(n, decimals), n / 10 ** decimals] as const),
  accepts: (t) => /^[+-]?\d+(\.\d+)?$/.test(t),
  misses: fc.nat({ max: 10 ** 6 }).chain((n) => fc.constantFrom(`${n}.`, `.${n}`, `${n}e-9`, `0x${n}`, `${n}.-1`, `${n}..0`, "nan", "inf")),
  check: lands(path),
});
const uint = (path: string): Column => ({
  valid: fc.nat({ max: 0xffffffff }).map((n) => [String(n), n] as const),
  accepts: (t) => /^\d+$/.test(t),
  check: lands(path),
});
// chronyc prints "never" and "no sample yet" as 2^32 − 1.
const uintOrNever = (path: string): Column => ({
  valid: fc.oneof(fc.nat({ max: 0xfffffffe }), fc.constant(0xffffffff)).map((n) => [String(n), n === 0xffffffff ? null : n] as const),
  accepts: (t) => /^\d+$/.test(t),
  check: lands(path),
});
const int = (path: string, min: number, max: number): Column => ({
  valid: fc.integer({ min, max }).map((n) => [String(n), n] as const),
  accepts: (t) => /^[+-]?\d+$/.test(t),
  check: lands(path),
});
const hex8 = (path: string): Column => ({
  valid: fc.nat({ max: 0xffffffff }).map((n) => {
    const hex = n.toString(16).toUpperCase().padStart(8, "0");
    return [hex, hex] as const;
  }),
  accepts: (t) => /^[0-9A-F]{8}$/.test(t),
  check: lands(path),
});
const oneOf = (path: string, table: Readonly<Record<string, unknown>>): Column => ({
  valid: fc.constantFrom(...Object.entries(table)).map(([token, value]) => [token, value] as const),
  accepts: (t) => Object.prototype.hasOwnProperty.call(table, t),
  check: lands(path),
});
const text = (path: string, arbitrary: fc.Arbitrary<string>): Column => ({ valid: arbitrary.map((t) => [t, t] as const), check: lands(path) });
// An absent property, not "", when chronyc printed nothing.
const optionalText = (path: string): Column => ({
  valid: fc.oneof(fc.constant(""), fc.constantFrom("GPS", "SHM0", "PPS", "127.0.0.1", "::1")).map((t) => [t, t === "" ? undefined : t] as const),
  check: lands(path),
});
const ignored: Column = {
  valid: fc.constantFrom("7F000001", "00000000", "1", "0.000000015").map((t) => [t, undefined] as const),
  check: () => undefined,
};
const address = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom("GPS", "SHM0", "ID#0000000001", "localhost", "ntp1.example.com"));
const LEAP = { Normal: "normal", "Insert second": "insert", "Delete second": "delete", "Not synchronised": "unsynchronised" };

/** chronyc's 3-3-4 groups of test bits, test1 first; each lands in testBits and the tests object. */
function testBits(shift: number, width: number, names: readonly string[]): Column {
  return {
    valid: fc.nat({ max: 2 ** width - 1 }).map((n) => [n.toString(2).padStart(width, "0"), n] as const),
    accepts: (t) => t.length === width && /^[01]+$/.test(t),
    check: (entry, value) => {
      expect(((entry.testBits as number) >>> shift) & (2 ** width - 1)).toBe(value);
      names.forEach((name, k) => expect(at(entry, `tests.${name}`), name).toBe((((value as number) >>> (width - 1 - k)) & 1) === 1));
    },
  };
}

const option = (path: string, letter: string): Column => ({
  valid: fc.constantFrom(letter, "-").map((t) => [t, t === letter] as const),
  accepts: (t) => t === letter || t === "-",
  check: lands(path),
});
const options = (path: string): Column[] => [
  option(`${path}.noselect`, "N"),
  option(`${path}.prefer`, "P"),
  option(`${path}.trust`, "T"),
  option(`${path}.require`, "R"),
  { valid: fc.constant(["-", undefined] as const), accepts: (t) => t === "-", check: () => undefined },
];

interface CsvReport {
  readonly name: string;
  readonly parse: (text: string) => Entry | Entry[];
  readonly oneLine: boolean;
  readonly columns: readonly Column[];
}

const REPORTS: readonly CsvReport[] = [
  {
    name: "tracking",
    parse: parseChronycTracking as unknown as (t: string) => Entry,
    oneLine: true,
    columns: [
      hex8("refId"),
      optionalText("refName"),
      uint("stratum"),
      decimal("refTime", 9, 2 * 10 ** 15),
      decimal("systemTimeOffset", 9),
      decimal("lastOffset", 9),
      decimal("rmsOffset", 9),
      decimal("frequencyPpm", 3),
      decimal("residualFrequencyPpm", 3),
      decimal("skewPpm", 3),
      decimal("rootDelay", 9),
      decimal("rootDispersion", 9),
      decimal("updateInterval", 1),
      oneOf("leapStatus", LEAP),
    ],
  },
  {
    name: "sources",
    parse: (t) => parseChronycSources(t) as unknown as Entry[],
    oneLine: false,
    columns: [
      oneOf("mode", { "^": "server", "=": "peer", "#": "refclock" }),
      oneOf("state", { "*": "selected", "+": "combined", "-": "notCombined", "?": "nonselectable", x: "falseticker", "~": "jittery" }),
      text("address", address),
      uint("stratum"),
      int("poll", -7, 24),
      {
        valid: fc.nat({ max: 255 }).map((n) => [n.toString(8), n] as const),
        accepts: (t) => /^[0-7]{1,3}$/.test(t) && parseInt(t, 8) <= 255,
        misses: fc.oneof(
          fc.integer({ min: 256, max: 511 }).map((n) => n.toString(8)),
          fc.constantFrom("8", "9", "18", "0377", "-1"),
        ),
        check: lands("reach"),
      },
      uintOrNever("lastRx"),
      decimal("offset", 9),
      decimal("measuredOffset", 9),
      decimal("error", 9),
    ],
  },
  {
    name: "sourcestats",
    parse: (t) => parseChronycSourceStats(t) as unknown as Entry[],
    oneLine: false,
    columns: [
      text("address", address),
      uint("samples"),
      uint("runs"),
      uint("spanSeconds"),
      decimal("frequencyPpm", 3),
      decimal("skewPpm", 3),
      decimal("offset", 9),
      decimal("stdDev", 9),
    ],
  },
  {
    name: "ntpdata",
    parse: (t) => parseChronycNtpData(t) as unknown as Entry[],
    oneLine: false,
    columns: [
      text("remoteAddress", fc.oneof(fc.ipV4(), fc.ipV6())),
      ignored,
      uint("remotePort"),
      { valid: fc.oneof(fc.ipV4(), fc.constant("[UNSPEC]")).map((t) => [t, t === "[UNSPEC]" ? null : t] as const), check: lands("localAddress") },
      ignored,
      oneOf("leapStatus", LEAP),
      uint("version"),
      oneOf("mode", { "Symmetric active": "symmetricActive", "Symmetric passive": "symmetricPassive", Server: "server", Invalid: "unknown" }),
      uint("stratum"),
      int("poll", -7, 24),
      ignored,
      int("precision", -30, 0),
      ignored,
      decimal("rootDelay", 6),
      decimal("rootDispersion", 6),
      hex8("refId"),
      optionalText("refName"),
      decimal("refTime", 9, 2 * 10 ** 15),
      decimal("offset", 9),
      decimal("peerDelay", 9),
      decimal("peerDispersion", 9),
      decimal("responseTime", 9),
      decimal("jitterAsymmetry", 2),
      testBits(7, 3, ["test1", "test2", "test3"]),
      testBits(4, 3, ["test5", "test6", "test7"]),
      testBits(0, 4, ["testA", "testB", "testC", "testD"]),
      oneOf("interleaved", { Yes: true, No: false }),
      oneOf("authenticated", { Yes: true, No: false }),
      oneOf("txTimestamping", { Daemon: "daemon", Kernel: "kernel", Hardware: "hardware", Invalid: "unknown" }),
      oneOf("rxTimestamping", { Daemon: "daemon", Kernel: "kernel", Hardware: "hardware", Invalid: "unknown" }),
      uint("totalTx"),
      uint("totalRx"),
      uint("totalValidRx"),
      uint("totalGoodRx"),
    ],
  },
  {
    name: "authdata",
    parse: (t) => parseChronycAuthData(t) as unknown as Entry[],
    oneLine: false,
    columns: [
      text("address", address),
      oneOf("mode", { "-": "none", SK: "symmetric", NTS: "nts", "?": "unknown" }),
      uint("keyId"),
      uint("keyType"),
      uint("keyLengthBits"),
      uintOrNever("lastKeAgo"),
      uint("keAttempts"),
      uint("nak"),
      uint("cookies"),
      uint("cookieLength"),
    ],
  },
  {
    name: "selectdata",
    parse: (t) => parseChronycSelectData(t) as unknown as Entry[],
    oneLine: false,
    columns: [
      {
        valid: fc.constantFrom(..."NsMdD~wWSOTPULx+*?".split("")).map((t) => [t, t] as const),
        accepts: (t) => t.length === 1,
        check: lands("stateChar"),
      },
      text("address", address),
      oneOf("authenticated", { Y: true, N: false }),
      ...options("configuredOptions"),
      ...options("effectiveOptions"),
      uint("lastSampleAgo"),
      decimal("score", 1),
      decimal("loLimit", 9),
      decimal("hiLimit", 9),
      oneOf("leapStatus", LEAP),
    ],
  },
  {
    name: "serverstats",
    parse: parseChronycServerStats as unknown as (t: string) => Entry,
    oneLine: true,
    // chronyc's column order, not the wire order.
    columns: [
      "ntpHits",
      "ntpDrops",
      "cmdHits",
      "cmdDrops",
      "logDrops",
      "nkeHits",
      "nkeDrops",
      "ntpAuthHits",
      "ntpInterleavedHits",
      "ntpTimestamps",
      "ntpSpanSeconds",
    ].map(uint),
  },
  {
    name: "activity",
    parse: parseChronycActivity as unknown as (t: string) => Entry,
    oneLine: true,
    columns: ["online", "offline", "burstOnline", "burstOffline", "unresolved"].map(uint),
  },
];

function nearMisses(t: string): string[] {
  return [
    `${t}.`,
    `.${t}`,
    `${t}e1`,
    `${t}0`,
    `${t}8`,
    `1${t}`,
    `0x${t}`,
    ` ${t}`,
    `${t} `,
    `-${t}`,
    `+${t}`,
    `+-${t}`,
    t.toLowerCase(),
    t.slice(1),
    `${t}${t}`,
    "",
  ];
}

const rowsOf = (report: CsvReport): fc.Arbitrary<(readonly [string, unknown])[][]> =>
  fc.array(fc.tuple(...report.columns.map((c) => c.valid)), report.oneLine ? { minLength: 1, maxLength: 1 } : { maxLength: 4 });
const print = (rows: readonly (readonly (readonly [string, unknown])[])[]): string =>
  rows.map((r) => `${r.map(([token]) => token).join(",")}\n`).join("");
const entries = (parsed: Entry | Entry[]): Entry[] => (Array.isArray(parsed) ? parsed : [parsed]);

describe.each(REPORTS.map((r) => [r.name, r] as const))("chronyc -c %s", (name, report) => {
  it("(c) lines printed from generated values read back to exactly those values", () => {
    fc.assert(
      fc.property(rowsOf(report), (rows) => {
        const parsed = entries(report.parse(print(rows)));
        expect(parsed).toHaveLength(rows.length);
        rows.forEach((row, k) => report.columns.forEach((column, i) => column.check(parsed[k], row[i][1])));
      }),
      RUNS,
    );
  });

  it("(c) a field chronyc never prints that way is refused, naming report, line and field", () => {
    const checked = report.columns.flatMap((c, i) => (c.accepts ? [i] : []));
    // Random text, and near misses of a good token (a trailing dot, an octal 8, a hex prefix, …).
    const badToken = (field: number): fc.Arbitrary<string> =>
      fc
        .oneof(
          fc.string({ unit: "binary-ascii", maxLength: 12 }),
          report.columns[field].valid.chain(([t]) => fc.constantFrom(...nearMisses(t))),
          report.columns[field].misses ?? fc.constant(""),
        )
        .filter((token) => !/[,\r\n]/.test(token) && !report.columns[field].accepts!(token));
    const bad = fc
      .record({
        rows: rowsOf(report).filter((rows) => rows.length > 0),
        line: fc.nat(),
        bad: fc.constantFrom(...checked).chain((field) => badToken(field).map((token) => ({ field, token }))),
      })
      .map(({ rows, line, bad: { field, token } }) => ({ rows, line, field, token }));
    fc.assert(
      fc.property(bad, ({ rows, line, field, token }) => {
        const k = line % rows.length;
        const tokens = rows.map((row) => row.map(([t]) => t));
        tokens[k][field] = token;
        let error: unknown;
        try {
          report.parse(tokens.map((t) => `${t.join(",")}\n`).join(""));
        } catch (e) {
          error = e;
        }
        expect(isCmdmonError(error) && error.code).toBe("chronyc-output");
        const message = (error as Error).message;
        expect(message.startsWith(`chronyc -c ${name}, line ${k + 1}, field ${field + 1}: expected `)).toBe(true);
        expect(message.endsWith(`, got '${token}': is this chrony 4.3's chronyc -c output?`)).toBe(true);
        expect(message).not.toContain("\n");
      }),
      RUNS,
    );
  });
});
