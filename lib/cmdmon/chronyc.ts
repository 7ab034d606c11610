import {
  CmdmonError,
  type Activity,
  type AuthData,
  type AuthMode,
  type LeapStatus,
  type NtpData,
  type NtpMode,
  type RtcReport,
  type SelectData,
  type SelectOptions,
  type ServerStats,
  type SourceMode,
  type SourceReport,
  type SourceState,
  type SourceStats,
  type Timestamping,
  type Tracking,
} from "./types";
import { ntpTestsFromBits, parseIpAddr, parseSourceAddress } from "./wire";

// chronyc's two output forms. `chronyc -c` (chrony 4.3 client.c) is read into the same typed
// objects the UDP client returns: one report per line, fields separated by commas, numbers without
// units, seconds with 9 decimals, frequencies in ppm with 3. This is how the deploy code reads the
// reports chronyd serves only on its Unix socket, by running chronyc on the host. The human form
// (`chronyc tracking`, `chronyc -N sources`) is written for `cdktf-chrony status`.

// The words and symbols chronyc uses, each table read one way by the reader and the other way by
// the formatter.
const LEAP_WORDS: Readonly<Record<LeapStatus, string>> = {
  normal: "Normal",
  insert: "Insert second",
  delete: "Delete second",
  unsynchronised: "Not synchronised",
};
const MODE_CHAR: Readonly<Record<SourceMode, string>> = { server: "^", peer: "=", refclock: "#" };
const STATE_CHAR: Readonly<Record<SourceState, string>> = {
  selected: "*",
  combined: "+",
  notCombined: "-",
  nonselectable: "?",
  falseticker: "x",
  jittery: "~",
};

function inverse<K extends string>(table: Readonly<Record<K, string>>): Readonly<Record<string, K>> {
  return Object.fromEntries(Object.entries(table).map(([key, text]) => [text, key])) as Record<string, K>;
}

const LEAP_TEXT = inverse(LEAP_WORDS);
const MODE_CHARS = inverse(MODE_CHAR);
const STATE_CHARS = inverse(STATE_CHAR);

/** The `chronyc -c` reports this module reads. */
export type ChronycCsvCommand =
  "tracking" | "sources" | "sourcestats" | "ntpdata" | "authdata" | "selectdata" | "serverstats" | "activity" | "rtcdata";

/** Options of {@link chronycArgs}. */
export interface ChronycArgsOptions {
  /** `-N`: print each NTP source's configured name instead of its address. @default false */
  readonly names?: boolean;
  /** `-a` for the source lists: include sources whose name is not resolved yet. @default false */
  readonly all?: boolean;
  /** ntpdata only: report one source, by address. */
  readonly address?: string;
}

const LIST_COMMANDS: ReadonlySet<ChronycCsvCommand> = new Set(["sources", "sourcestats", "authdata", "selectdata"]);

/**
 * The argv for one report: `chronycArgs(["chronyc", "-h", "/run/chrony/chronyd.sock"], "ntpdata")`
 * gives `["chronyc", "-h", "/run/chrony/chronyd.sock", "-c", "ntpdata"]`.
 */
export function chronycArgs(prefix: readonly string[], command: ChronycCsvCommand, options: ChronycArgsOptions = {}): string[] {
  const args = [...prefix, ...(options.names ? ["-N"] : []), "-c", command];
  if (options.all && LIST_COMMANDS.has(command)) args.push("-a");
  if (options.address !== undefined) {
    if (command !== "ntpdata") throw new TypeError(`chronycArgs: only ntpdata takes an address, not ${command}`);
    if (parseIpAddr(options.address) === undefined) {
      throw new TypeError(`chronycArgs: '${options.address}' is not an IP address`);
    }
    args.push(options.address);
  }
  return args;
}

/**
 * The error for a chronyc run that failed. chronyc prints its protocol errors ("501 Not authorised",
 * "506 Cannot talk to daemon") on stdout and exits 1; connection problems go to stderr.
 */
export function chronycFailure(stdout: string, stderr: string, exitCode: number | null): CmdmonError {
  const line = [...lines(stdout), ...lines(stderr)].find((l) => /^\d{3} /.test(l)) ?? lines(stderr)[0] ?? lines(stdout)[0];
  return line !== undefined && /^\d{3} /.test(line)
    ? chronycStatusError(line)
    : new CmdmonError(
        "chronyc-output",
        `chronyc failed (exit ${exitCode ?? "signal"})${line ? `: ${line}` : ""}: check that chronyc is installed and chronyd is running on the host`,
      );
}

/** `chronyc -c tracking`: exactly one line. */
export function parseChronycTracking(text: string): Tracking {
  const [f] = rows(text, "tracking", 14, { exactlyOne: true });
  const refName = f.text(1);
  return {
    refId: f.hex(0),
    ...(refName === "" ? {} : { refName }),
    stratum: f.uint(2),
    leapStatus: f.leap(13),
    refTime: f.number(3),
    systemTimeOffset: f.number(4),
    lastOffset: f.number(5),
    rmsOffset: f.number(6),
    frequencyPpm: f.number(7),
    residualFrequencyPpm: f.number(8),
    skewPpm: f.number(9),
    rootDelay: f.number(10),
    rootDispersion: f.number(11),
    updateInterval: f.number(12),
  };
}

/** `chronyc -c sources`; pass the output of `chronyc -c -N sources` too to get the configured names. */
export function parseChronycSources(text: string, namesText?: string): SourceReport[] {
  const sources = rows(text, "sources", 10).map((f): SourceReport => {
    const lastRx = f.uint(6);
    return {
      address: f.text(2),
      mode: f.oneOf(0, MODE_CHARS, "source mode"),
      state: f.oneOf(1, STATE_CHARS, "source state"),
      stratum: f.uint(3),
      poll: f.int(4),
      reach: f.octalReach(5),
      lastRx: lastRx === NEVER ? null : lastRx,
      offset: f.number(7),
      measuredOffset: f.number(8),
      error: f.number(9),
    };
  });
  return namesText === undefined
    ? sources
    : withNames(
        sources,
        rows(namesText, "sources", 10).map((f) => f.text(2)),
        (s) => s.mode !== "refclock",
      );
}

/** `chronyc -c sourcestats`; pass `chronyc -c -N sourcestats` output too for the names. */
export function parseChronycSourceStats(text: string, namesText?: string): SourceStats[] {
  const stats = rows(text, "sourcestats", 8).map((f): SourceStats => ({
    address: f.text(0),
    samples: f.uint(1),
    runs: f.uint(2),
    spanSeconds: f.uint(3),
    frequencyPpm: f.number(4),
    skewPpm: f.number(5),
    offset: f.number(6),
    stdDev: f.number(7),
  }));
  return namesText === undefined
    ? stats
    : withNames(
        stats,
        rows(namesText, "sourcestats", 8).map((f) => f.text(0)),
      );
}

const NTP_MODES: Readonly<Record<string, NtpMode>> = {
  "Symmetric active": "symmetricActive",
  "Symmetric passive": "symmetricPassive",
  Server: "server",
  Invalid: "unknown",
};
const TIMESTAMPING: Readonly<Record<string, Timestamping>> = {
  Daemon: "daemon",
  Kernel: "kernel",
  Hardware: "hardware",
  Invalid: "unknown",
};

/** `chronyc -c ntpdata [ADDRESS]`: one entry per NTP source (refclocks have none). */
export function parseChronycNtpData(text: string): NtpData[] {
  return rows(text, "ntpdata", 34).map((f): NtpData => {
    const local = f.text(3);
    const refName = f.text(16);
    const testBits = (f.bits(23, 3) << 7) | (f.bits(24, 3) << 4) | f.bits(25, 4);
    return {
      remoteAddress: f.text(0),
      remotePort: f.uint(2),
      localAddress: local === "[UNSPEC]" ? null : local,
      leapStatus: f.leap(5),
      version: f.uint(6),
      mode: f.oneOf(7, NTP_MODES, "NTP mode"),
      stratum: f.uint(8),
      poll: f.int(9),
      precision: f.int(11),
      rootDelay: f.number(13),
      rootDispersion: f.number(14),
      refId: f.hex(15),
      ...(refName === "" ? {} : { refName }),
      refTime: f.number(17),
      offset: f.number(18),
      peerDelay: f.number(19),
      peerDispersion: f.number(20),
      responseTime: f.number(21),
      jitterAsymmetry: f.number(22),
      tests: ntpTestsFromBits(testBits),
      testBits,
      interleaved: f.yesNo(26),
      authenticated: f.yesNo(27),
      txTimestamping: f.oneOf(28, TIMESTAMPING, "timestamping"),
      rxTimestamping: f.oneOf(29, TIMESTAMPING, "timestamping"),
      totalTx: f.uint(30),
      totalRx: f.uint(31),
      totalValidRx: f.uint(32),
      totalGoodRx: f.uint(33),
    };
  });
}

const AUTH_MODES: Readonly<Record<string, AuthMode>> = { "-": "none", SK: "symmetric", NTS: "nts", "?": "unknown" };

/** `chronyc -c authdata`: NTP sources only; pass `chronyc -c -N authdata` output too for the names. */
export function parseChronycAuthData(text: string, namesText?: string): AuthData[] {
  const data = rows(text, "authdata", 10).map((f): AuthData => {
    const lastKeAgo = f.uint(5);
    return {
      address: f.text(0),
      mode: f.oneOf(1, AUTH_MODES, "authentication mode"),
      keyId: f.uint(2),
      keyType: f.uint(3),
      keyLengthBits: f.uint(4),
      lastKeAgo: lastKeAgo === NEVER ? null : lastKeAgo,
      keAttempts: f.uint(6),
      nak: f.uint(7),
      cookies: f.uint(8),
      cookieLength: f.uint(9),
    };
  });
  return namesText === undefined
    ? data
    : withNames(
        data,
        rows(namesText, "authdata", 10).map((f) => f.text(0)),
      );
}

/** `chronyc -c selectdata`; pass `chronyc -c -N selectdata` output too for the names. */
export function parseChronycSelectData(text: string, namesText?: string): SelectData[] {
  const data = rows(text, "selectdata", 18).map((f): SelectData => ({
    address: f.text(1),
    stateChar: f.char(0),
    authenticated: f.flag(2, "Y", "N"),
    configuredOptions: f.selectOptions(3),
    effectiveOptions: f.selectOptions(8),
    lastSampleAgo: f.uint(13),
    score: f.number(14),
    loLimit: f.number(15),
    hiLimit: f.number(16),
    leapStatus: f.leap(17),
  }));
  return namesText === undefined
    ? data
    : withNames(
        data,
        rows(namesText, "selectdata", 18).map((f) => f.text(1)),
      );
}

/** `chronyc -c serverstats`: exactly one line. */
export function parseChronycServerStats(text: string): ServerStats {
  const [f] = rows(text, "serverstats", 11, { exactlyOne: true });
  // chronyc's order differs from the wire order.
  return {
    ntpHits: f.uint(0),
    nkeHits: f.uint(5),
    cmdHits: f.uint(2),
    ntpDrops: f.uint(1),
    nkeDrops: f.uint(6),
    cmdDrops: f.uint(3),
    logDrops: f.uint(4),
    ntpAuthHits: f.uint(7),
    ntpInterleavedHits: f.uint(8),
    ntpTimestamps: f.uint(9),
    ntpSpanSeconds: f.uint(10),
  };
}

/** `chronyc -c activity`: exactly one line. */
export function parseChronycActivity(text: string): Activity {
  const [f] = rows(text, "activity", 5, { exactlyOne: true });
  return { online: f.uint(0), offline: f.uint(1), burstOnline: f.uint(2), burstOffline: f.uint(3), unresolved: f.uint(4) };
}

/**
 * `chronyc -c rtcdata`: exactly one line (ref time as seconds.nanoseconds, samples, runs, span in
 * seconds, seconds fast with 6 decimals, ppm with 3). A chronyd that tracks no RTC makes chronyc
 * print "513 RTC driver not running": a CmdmonError with status 13 (NORTC), as over UDP.
 */
export function parseChronycRtcData(text: string): RtcReport {
  const [f] = rows(text, "rtcdata", 6, { exactlyOne: true });
  return {
    refTime: f.number(0),
    samples: f.uint(1),
    runs: f.uint(2),
    spanSeconds: f.uint(3),
    rtcSecondsFast: f.number(4),
    rtcGainRatePpm: f.number(5),
  };
}

// chronyc prints "never" / "no sample yet" as the u32 all-ones value.
const NEVER = 0xffffffff;

const DECIMAL = /^[+-]?\d+(\.\d+)?$/;

/** One CSV line with typed accessors that name the report, line and field when a value is wrong. */
class Fields {
  constructor(
    private readonly report: string,
    private readonly lineNumber: number,
    private readonly fields: readonly string[],
  ) {}

  text(i: number): string {
    return this.fields[i];
  }

  number(i: number): number {
    const v = this.fields[i];
    if (!DECIMAL.test(v)) throw this.bad(i, "a decimal number");
    return Number(v);
  }

  uint(i: number): number {
    const v = this.fields[i];
    if (!/^\d+$/.test(v)) throw this.bad(i, "an unsigned integer");
    return Number(v);
  }

  int(i: number): number {
    const v = this.fields[i];
    if (!/^[+-]?\d+$/.test(v)) throw this.bad(i, "an integer");
    return Number(v);
  }

  hex(i: number): string {
    const v = this.fields[i];
    if (!/^[0-9A-F]{8}$/.test(v)) throw this.bad(i, "8 uppercase hex digits");
    return v;
  }

  octalReach(i: number): number {
    const v = this.fields[i];
    if (!/^[0-7]{1,3}$/.test(v) || parseInt(v, 8) > 0xff) throw this.bad(i, "an octal reach register (0 to 377)");
    return parseInt(v, 8);
  }

  bits(i: number, width: number): number {
    const v = this.fields[i];
    if (v.length !== width || !/^[01]+$/.test(v)) throw this.bad(i, `${width} binary digits`);
    return parseInt(v, 2);
  }

  char(i: number): string {
    const v = this.fields[i];
    if (v.length !== 1) throw this.bad(i, "one character");
    return v;
  }

  yesNo(i: number): boolean {
    return this.flag(i, "Yes", "No");
  }

  flag(i: number, yes: string, no: string): boolean {
    const v = this.fields[i];
    if (v !== yes && v !== no) throw this.bad(i, `${yes} or ${no}`);
    return v === yes;
  }

  leap(i: number): LeapStatus {
    return this.oneOf(i, LEAP_TEXT, "leap status");
  }

  oneOf<T>(i: number, table: Readonly<Record<string, T>>, what: string): T {
    const v = this.fields[i];
    if (!Object.prototype.hasOwnProperty.call(table, v)) throw this.bad(i, `a ${what} (${Object.keys(table).join(", ")})`);
    return table[v];
  }

  /** Five one-letter columns: N, P, T, R and one unused, each '-' when off. */
  selectOptions(start: number): SelectOptions {
    const letters = ["N", "P", "T", "R", "-"];
    const on = letters.map((letter, k) => {
      const v = this.fields[start + k];
      if (v !== letter && v !== "-") throw this.bad(start + k, `'${letter}' or '-'`);
      return v === letter && letter !== "-";
    });
    return { noselect: on[0], prefer: on[1], trust: on[2], require: on[3] };
  }

  private bad(i: number, expected: string): CmdmonError {
    return new CmdmonError(
      "chronyc-output",
      `chronyc -c ${this.report}, line ${this.lineNumber}, field ${i + 1}: expected ${expected}, got '${this.fields[i]}': is this chrony 4.3's chronyc -c output?`,
    );
  }
}

function lines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.replace(/\r$/, ""))
    .filter((l) => l.trim() !== "");
}

function rows(text: string, report: string, fieldCount: number, options: { exactlyOne?: boolean } = {}): Fields[] {
  const all = lines(text);
  const status = all.find((l) => /^\d{3} /.test(l));
  if (status !== undefined) throw chronycStatusError(status);
  if (options.exactlyOne && all.length !== 1) {
    throw new CmdmonError("chronyc-output", `chronyc -c ${report} printed ${all.length} lines, expected 1: run exactly 'chronyc -c ${report}'`);
  }
  return all.map((line, index) => {
    const fields = line.split(",");
    if (fields.length !== fieldCount) {
      throw new CmdmonError(
        "chronyc-output",
        `chronyc -c ${report}, line ${index + 1}: ${fields.length} fields, expected ${fieldCount}: '${line}' (is this chrony 4.3's chronyc -c output?)`,
      );
    }
    return new Fields(report, index + 1, fields);
  });
}

/** Adds `name` from a `-N` run to the same list read without `-N`; refclocks and `?` get none. */
function withNames<T extends { readonly address: string }>(
  list: readonly T[],
  names: readonly string[],
  isNtpSource: (entry: T) => boolean = (entry) => parseSourceAddress(entry.address) !== undefined,
): T[] {
  if (names.length !== list.length) {
    throw new CmdmonError(
      "chronyc-output",
      `the source list changed between the two chronyc runs (${list.length} entries, then ${names.length}): run both again`,
    );
  }
  return list.map((entry, i) => {
    const name = names[i];
    return isNtpSource(entry) && name !== "?" ? { ...entry, name } : entry;
  });
}

function chronycStatusError(line: string): CmdmonError {
  const code = line.slice(0, 3);
  switch (code) {
    case "501":
      return new CmdmonError(
        "unauthorised",
        `chronyc was refused (${line}): this report is only served on chronyd's Unix socket; run chronyc as root or _chrony on the host (e.g. chronyc -h /run/chrony/chronyd.sock)`,
        2,
      );
    case "503":
      return new CmdmonError("no-such-source", `chronyc: ${line}: chronyd has no source with that address`, 4);
    case "513":
      return new CmdmonError("status", `chronyd tracks no RTC (${line}): it has no rtcfile, or cannot use the RTC device`, 13);
    case "506":
      return new CmdmonError(
        "unreachable",
        `chronyc could not reach chronyd (${line}): is chronyd running, and does chronyc use its socket path or cmdport?`,
      );
    default:
      return new CmdmonError("status", `chronyc reported an error: ${line}`);
  }
}

// ---- Human-readable reports laid out as chronyc 4.3 prints them, so operators read familiar columns.

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `chronyc tracking` as chronyc 4.3 prints it, from a {@link Tracking}. */
export function formatTracking(t: Tracking): string {
  const lines = [
    `Reference ID    : ${t.refId} (${t.refName ?? ""})`,
    `Stratum         : ${t.stratum}`,
    `Ref time (UTC)  : ${formatUtc(t.refTime)}`,
    // A positive correction means the clock is behind: chronyc calls that "slow of NTP time".
    `System time     : ${Math.abs(t.systemTimeOffset).toFixed(9)} seconds ${t.systemTimeOffset > 0 ? "slow" : "fast"} of NTP time`,
    `Last offset     : ${signed(t.lastOffset, 9)} seconds`,
    `RMS offset      : ${t.rmsOffset.toFixed(9)} seconds`,
    `Frequency       : ${Math.abs(t.frequencyPpm).toFixed(3)} ppm ${t.frequencyPpm > 0 ? "fast" : "slow"}`,
    `Residual freq   : ${signed(t.residualFrequencyPpm, 3)} ppm`,
    `Skew            : ${t.skewPpm.toFixed(3)} ppm`,
    `Root delay      : ${t.rootDelay.toFixed(9)} seconds`,
    `Root dispersion : ${t.rootDispersion.toFixed(9)} seconds`,
    `Update interval : ${t.updateInterval.toFixed(1)} seconds`,
    `Leap status     : ${LEAP_WORDS[t.leapStatus]}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** `chronyc rtcdata` as chronyc 4.3 prints it, from an {@link RtcReport}. */
export function formatRtcData(r: RtcReport): string {
  const lines = [
    `RTC ref time (UTC) : ${formatUtc(r.refTime)}`,
    `Number of samples  : ${r.samples}`,
    `Number of runs     : ${r.runs}`,
    `Sample span period : ${formatAge(r.spanSeconds)}`,
    `RTC is fast by     : ${r.rtcSecondsFast.toFixed(6).padStart(12)} seconds`,
    `RTC gains time at  : ${r.rtcGainRatePpm.toFixed(3).padStart(9)} ppm`,
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * `chronyc -c rtcdata`'s line from an {@link RtcReport}: what chronyc prints for the same reply
 * (its CSV mode writes the ref time as seconds.nanoseconds and rounds to 6 and 3 decimals).
 */
export function formatRtcDataCsv(r: RtcReport): string {
  const seconds = Math.floor(r.refTime);
  const nanoseconds = Math.min(999_999_999, Math.round((r.refTime - seconds) * 1e9));
  return `${seconds}.${String(nanoseconds).padStart(9, "0")},${r.samples},${r.runs},${r.spanSeconds},${printfFixed(r.rtcSecondsFast, 6)},${printfFixed(r.rtcGainRatePpm, 3)}\n`;
}

/**
 * `%.Nf` as glibc's printf writes it: an exact tie rounds to the even digit, where toFixed rounds
 * up (0.0078125 is "0.007812" in C, "0.007813" from toFixed). chronyd's Floats have at most 89
 * fractional binary digits, so toFixed(100) holds their exact decimal value.
 */
export function printfFixed(x: number, decimals: number): string {
  const rounded = x.toFixed(decimals);
  const exact = Math.abs(x).toFixed(100);
  const rest = exact.slice(exact.indexOf(".") + 1 + decimals);
  if (!/^50*$/.test(rest)) return rounded;
  const down = (Math.abs(x) - 0.5 * 10 ** -decimals).toFixed(decimals);
  const lastDigit = Number(down.at(-1));
  const even = lastDigit % 2 === 0 ? down : Math.abs(x).toFixed(decimals);
  return x < 0 ? `-${even}` : even;
}

/** Like `chronyc -N sources`: the configured name where there is one, else the address. */
export function formatSources(sources: readonly SourceReport[]): string {
  const header = "MS Name/IP address         Stratum Poll Reach LastRx Last sample               ";
  const rows = sources.map((s) => {
    const name = fit(s.name ?? s.address);
    return (
      `${MODE_CHAR[s.mode]}${STATE_CHAR[s.state]} ${name}  ${pad(s.stratum, 2)}  ${pad(s.poll, 2)}   ` +
      `${pad(s.reach.toString(8), 3)}  ${formatAge(s.lastRx)}  ` +
      `${signedDuration(s.offset)}[${signedDuration(s.measuredOffset)}] +/- ${duration(s.error)}`
    );
  });
  return `${[header, "=".repeat(79), ...rows].join("\n")}\n`;
}

// chronyc cuts a long hostname to 25 characters, the last one '>', in a 27-wide column.
function fit(text: string): string {
  return (text.length > 25 ? `${text.slice(0, 24)}>` : text).padEnd(27);
}

function pad(value: number | string, width: number): string {
  return String(value).padStart(width);
}

function signed(x: number, decimals: number): string {
  return `${x >= 0 ? "+" : "-"}${Math.abs(x).toFixed(decimals)}`;
}

function formatUtc(seconds: number): string {
  const d = new Date(Math.floor(seconds) * 1000);
  const two = (n: number): string => String(n).padStart(2, "0");
  return (
    `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`
  );
}

/** chronyc's LastRx column: seconds, then minutes, hours, days, years as the age grows. */
function formatAge(seconds: number | null): string {
  if (seconds === null) return "   -";
  if (seconds < 1200) return pad(seconds, 4);
  if (seconds < 36000) return `${pad(Math.floor(seconds / 60), 3)}m`;
  if (seconds < 345600) return `${pad(Math.floor(seconds / 3600), 3)}h`;
  const days = Math.floor(seconds / 86400);
  return days > 999 ? `${pad(Math.floor(days / 365), 3)}y` : `${pad(days, 3)}d`;
}

const UNITS: readonly (readonly [limit: number, scale: number, unit: string, decimals: number])[] = [
  [9999.5e-9, 1e9, "ns", 0],
  [9999.5e-6, 1e6, "us", 0],
  [9999.5e-3, 1e3, "ms", 0],
  [999.5, 1, "s", 1],
  [99999.5, 1, "s", 0],
  [99999.5 * 60, 1 / 60, "m", 0],
  [99999.5 * 3600, 1 / 3600, "h", 0],
  [99999.5 * 86400, 1 / 86400, "d", 0],
];

/** A magnitude in the unit that keeps it to four or five digits, as chronyc's offset columns do. */
function duration(x: number): string {
  return scaled(Math.abs(x), false);
}

function signedDuration(x: number): string {
  return scaled(x, true);
}

function scaled(x: number, withSign: boolean): string {
  const magnitude = Math.abs(x);
  const [, scale, unit, decimals] = UNITS.find(([limit]) => magnitude < limit) ?? [0, 1 / (86400 * 365), "y", 0];
  const width = (unit.length === 2 ? 4 : 5) + (withSign ? 1 : 0);
  const value = Math.abs(x * scale).toFixed(decimals);
  const text = withSign ? `${x < 0 ? "-" : "+"}${value}` : value;
  return `${text.padStart(width)}${unit}`;
}
