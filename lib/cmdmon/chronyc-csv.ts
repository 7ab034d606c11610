import { CmdmonError } from "./cmdmon-error";
import { parseIpAddr, parseSourceAddress } from "./ip-addr";
import { ntpTestsFromBits } from "./ntp-tests";
import type {
  Activity,
  AuthData,
  AuthMode,
  LeapStatus,
  NtpData,
  NtpMode,
  SelectData,
  SelectOptions,
  ServerStats,
  SourceMode,
  SourceReport,
  SourceState,
  SourceStats,
  Timestamping,
  Tracking,
} from "./types";

// Reads what `chronyc -c` prints (chrony 4.3 client.c): one report per line, fields separated by
// commas, numbers without units, seconds with 9 decimals, frequencies in ppm with 3. This is how
// the deploy code reads the reports chronyd serves only on its Unix socket, by running chronyc on
// the host.

export type ChronycCsvCommand =
  | "tracking"
  | "sources"
  | "sourcestats"
  | "ntpdata"
  | "authdata"
  | "selectdata"
  | "serverstats"
  | "activity";

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
export function chronycArgs(
  prefix: readonly string[],
  command: ChronycCsvCommand,
  options: ChronycArgsOptions = {},
): string[] {
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

const MODE_CHARS: Readonly<Record<string, SourceMode>> = { "^": "server", "=": "peer", "#": "refclock" };
const STATE_CHARS: Readonly<Record<string, SourceState>> = {
  "*": "selected",
  "+": "combined",
  "-": "notCombined",
  "?": "nonselectable",
  x: "falseticker",
  "~": "jittery",
};

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
  return namesText === undefined ? sources : withNames(
        sources,
        rows(namesText, "sources", 10).map((f) => f.text(2)),
        (s) => s.mode !== "refclock",
      );
}

/** `chronyc -c sourcestats`; pass `chronyc -c -N sourcestats` output too for the names. */
export function parseChronycSourceStats(text: string, namesText?: string): SourceStats[] {
  const stats = rows(text, "sourcestats", 8).map(
    (f): SourceStats => ({
      address: f.text(0),
      samples: f.uint(1),
      runs: f.uint(2),
      spanSeconds: f.uint(3),
      frequencyPpm: f.number(4),
      skewPpm: f.number(5),
      offset: f.number(6),
      stdDev: f.number(7),
    }),
  );
  return namesText === undefined ? stats : withNames(stats, rows(namesText, "sourcestats", 8).map((f) => f.text(0)));
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
  return namesText === undefined ? data : withNames(data, rows(namesText, "authdata", 10).map((f) => f.text(0)));
}

/** `chronyc -c selectdata`; pass `chronyc -c -N selectdata` output too for the names. */
export function parseChronycSelectData(text: string, namesText?: string): SelectData[] {
  const data = rows(text, "selectdata", 18).map(
    (f): SelectData => ({
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
    }),
  );
  return namesText === undefined ? data : withNames(data, rows(namesText, "selectdata", 18).map((f) => f.text(1)));
}

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

export function parseChronycActivity(text: string): Activity {
  const [f] = rows(text, "activity", 5, { exactlyOne: true });
  return { online: f.uint(0), offline: f.uint(1), burstOnline: f.uint(2), burstOffline: f.uint(3), unresolved: f.uint(4) };
}

// chronyc prints "never" / "no sample yet" as the u32 all-ones value.
const NEVER = 0xffffffff;

const LEAP_TEXT: Readonly<Record<string, LeapStatus>> = {
  Normal: "normal",
  "Insert second": "insert",
  "Delete second": "delete",
  "Not synchronised": "unsynchronised",
};

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
  return text.split("\n").map((l) => l.replace(/\r$/, "")).filter((l) => l.trim() !== "");
}

function rows(text: string, report: string, fieldCount: number, options: { exactlyOne?: boolean } = {}): Fields[] {
  const all = lines(text);
  const status = all.find((l) => /^\d{3} /.test(l));
  if (status !== undefined) throw chronycStatusError(status);
  if (options.exactlyOne && all.length !== 1) {
    throw new CmdmonError(
      "chronyc-output",
      `chronyc -c ${report} printed ${all.length} lines, expected 1: run exactly 'chronyc -c ${report}'`,
    );
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
    case "506":
      return new CmdmonError(
        "unreachable",
        `chronyc could not reach chronyd (${line}): is chronyd running, and does chronyc use its socket path or cmdport?`,
      );
    default:
      return new CmdmonError("status", `chronyc reported an error: ${line}`);
  }
}
