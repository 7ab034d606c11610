// What chronyd reports, as plain data, and the one error type of the module. The UDP client and the
// `chronyc -c` reader both produce these, so numbers follow chronyc -c: seconds unless the name
// carries another unit, and chronyc's signs.

/** chronyd's leap indicator: a second to insert or delete at the end of the day, or not synchronised. */
export type LeapStatus = "normal" | "insert" | "delete" | "unsynchronised";

/** `chronyc tracking`: the system clock's reference and how well it follows it. */
export interface Tracking {
  /** The reference ID, 8 uppercase hex digits ("7F000001"; "7F7F0101" = local reference; "00000000" = none). */
  readonly refId: string;
  /** The reference's address, or a refclock's refid text ("GPS"); absent when chronyd has none to show. */
  readonly refName?: string;
  /** 0 when unsynchronised. */
  readonly stratum: number;
  readonly leapStatus: LeapStatus;
  /**
   * The correction chronyd is still applying to the system clock (chronyc: "System time").
   * Positive: the system clock is behind ("slow of") NTP time; negative: ahead ("fast").
   */
  readonly systemTimeOffset: number;
  readonly lastOffset: number;
  readonly rmsOffset: number;
  /** The system clock's frequency error. Positive: it runs fast (chronyc: "ppm fast"); negative: slow. */
  readonly frequencyPpm: number;
  readonly residualFrequencyPpm: number;
  readonly skewPpm: number;
  readonly rootDelay: number;
  readonly rootDispersion: number;
  readonly updateInterval: number;
  /** When the reference was last updated, seconds since the epoch; 0 when never. */
  readonly refTime: number;
}

/** How chronyd uses a source: an NTP server (or pool member), a symmetric peer, or a reference clock. */
export type SourceMode = "server" | "peer" | "refclock";

/**
 * chronyc's state column: `*` selected, `+` combined, `-` notCombined, `?` nonselectable,
 * `x` falseticker, `~` jittery.
 */
export type SourceState = "selected" | "combined" | "notCombined" | "nonselectable" | "falseticker" | "jittery";

/** One line of `chronyc sources`. */
export interface SourceReport {
  /** The source's address as chronyc prints it; a refclock's refid text ("GPS", "SHM0"); `ID#0000000001` if unresolved. */
  readonly address: string;
  /** The name the source was configured with (a hostname or the address text); NTP sources only. */
  readonly name?: string;
  readonly mode: SourceMode;
  readonly state: SourceState;
  readonly stratum: number;
  /** log2 of the polling interval in seconds. */
  readonly poll: number;
  /** The 8-bit reachability register (chronyc prints it in octal). */
  readonly reach: number;
  /** Seconds since the last sample; null before the first one. */
  readonly lastRx: number | null;
  /** The last sample's offset, adjusted for clock updates since (chronyc's first "Last sample" value). */
  readonly offset: number;
  /** The last sample's offset as measured (chronyc's value in brackets). */
  readonly measuredOffset: number;
  /** The last sample's error bound (chronyc's "+/-"). */
  readonly error: number;
}

/** One line of `chronyc sourcestats`: the statistics of a source's recent samples. */
export interface SourceStats {
  readonly address: string;
  readonly name?: string;
  readonly samples: number;
  readonly runs: number;
  readonly spanSeconds: number;
  /** Residual frequency of the source's clock against the local one. */
  readonly frequencyPpm: number;
  readonly skewPpm: number;
  readonly offset: number;
  readonly stdDev: number;
  /** The estimated offset's error; only the command protocol reports it (chronyc does not print it). */
  readonly offsetError?: number;
}

/** `chronyc activity`: how many sources are online, offline, in a burst, or unresolved. */
export interface Activity {
  readonly online: number;
  readonly offline: number;
  readonly burstOnline: number;
  readonly burstOffline: number;
  /** Sources whose name is not resolved yet. */
  readonly unresolved: number;
}

/** The mode of the last NTP packet received from the source; "unknown" before any (chronyc: "Invalid"). */
export type NtpMode = "symmetricActive" | "symmetricPassive" | "server" | "unknown";

/** Where the last packet was timestamped (chronyc: Daemon, Kernel, Hardware; "unknown" for none). */
export type Timestamping = "daemon" | "kernel" | "hardware" | "unknown";

/** chrony's packet tests for the last received packet; true = passed. */
export interface NtpTests {
  /** RFC 5905 test 1: not a duplicate. */
  readonly test1: boolean;
  /** RFC 5905 test 2: not bogus (it answers what was sent). */
  readonly test2: boolean;
  /** RFC 5905 test 3: valid timestamps. */
  readonly test3: boolean;
  /** RFC 5905 test 5: authentication. */
  readonly test5: boolean;
  /** RFC 5905 test 6: the server is synchronised (leap, stratum). */
  readonly test6: boolean;
  /** RFC 5905 test 7: sane root delay and dispersion. */
  readonly test7: boolean;
  /** Delay within maxdelay. */
  readonly testA: boolean;
  /** Delay ratio within maxdelayratio. */
  readonly testB: boolean;
  /** Delay deviation ratio (or quantile) within limits. */
  readonly testC: boolean;
  /** No synchronisation loop. */
  readonly testD: boolean;
}

/** `chronyc ntpdata` for one NTP source: the last packet exchanged and its tests. */
export interface NtpData {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** null until chronyd knows which local address it uses. */
  readonly localAddress: string | null;
  readonly leapStatus: LeapStatus;
  readonly version: number;
  readonly mode: NtpMode;
  readonly stratum: number;
  /** log2 seconds. */
  readonly poll: number;
  /** log2 seconds. */
  readonly precision: number;
  readonly rootDelay: number;
  readonly rootDispersion: number;
  readonly refId: string;
  /** The refid's text, which chronyc shows only for stratum 0 and 1 servers. */
  readonly refName?: string;
  readonly refTime: number;
  readonly offset: number;
  readonly peerDelay: number;
  readonly peerDispersion: number;
  readonly responseTime: number;
  readonly jitterAsymmetry: number;
  readonly tests: NtpTests;
  /** The 10 test bits as chronyc prints them, test1 first ("111 111 1111" = 0x3FF). */
  readonly testBits: number;
  readonly interleaved: boolean;
  readonly authenticated: boolean;
  readonly txTimestamping: Timestamping;
  readonly rxTimestamping: Timestamping;
  readonly totalTx: number;
  readonly totalRx: number;
  readonly totalValidRx: number;
  readonly totalGoodRx: number;
}

/** How a source is authenticated: not at all, a symmetric key, or NTS. */
export type AuthMode = "none" | "symmetric" | "nts" | "unknown";

/** One line of `chronyc authdata`. */
export interface AuthData {
  readonly address: string;
  readonly name?: string;
  readonly mode: AuthMode;
  /** Symmetric key ID (NTS: the context ID). */
  readonly keyId: number;
  /** chrony's numeric type (1 MD5, 2 SHA1, 3 SHA256, …, 13 AES128, 14 AES256; NTS AEAD ids 15–17, 30, 31). */
  readonly keyType: number;
  readonly keyLengthBits: number;
  /** Seconds since the last NTS-KE session; null when never. */
  readonly lastKeAgo: number | null;
  readonly keAttempts: number;
  readonly nak: number;
  readonly cookies: number;
  readonly cookieLength: number;
}

/** A source's selection options (chrony's noselect, prefer, trust, require). */
export interface SelectOptions {
  readonly noselect: boolean;
  readonly prefer: boolean;
  readonly trust: boolean;
  readonly require: boolean;
}

/** One line of `chronyc selectdata`: why chronyd selects a source or not. */
export interface SelectData {
  readonly address: string;
  readonly name?: string;
  /** chronyc selectdata's state letter (N, s, M, d, D, ~, w, W, S, O, T, P, U, L, x, +, *, ?). */
  readonly stateChar: string;
  readonly authenticated: boolean;
  readonly configuredOptions: SelectOptions;
  readonly effectiveOptions: SelectOptions;
  readonly lastSampleAgo: number;
  readonly score: number;
  readonly loLimit: number;
  readonly hiLimit: number;
  readonly leapStatus: LeapStatus;
}

/** chronyd's server counters (32-bit in 4.3: they wrap). */
export interface ServerStats {
  readonly ntpHits: number;
  readonly nkeHits: number;
  readonly cmdHits: number;
  readonly ntpDrops: number;
  readonly nkeDrops: number;
  readonly cmdDrops: number;
  readonly logDrops: number;
  readonly ntpAuthHits: number;
  readonly ntpInterleavedHits: number;
  readonly ntpTimestamps: number;
  readonly ntpSpanSeconds: number;
}

/**
 * An address block as chronyd sends it. The family stays the raw number so that a block read from
 * SOURCE_DATA can be sent back unchanged, as NTP_DATA, AUTH_DATA and NTP_SOURCE_NAME want it.
 */
export interface IpAddr {
  /** 0 unspecified, 1 IPv4, 2 IPv6, 3 an unresolved source's ID (see `AddressFamily`); others kept as sent. */
  readonly family: number;
  /** Always 16 bytes: IPv4 in the first 4, IPv6 in all, an ID as a big-endian u32 in the first 4. */
  readonly bytes: Uint8Array;
}

/** One SOURCE_DATA answer: the report, and the address block to send back for per-source queries. */
export interface SourceDataEntry {
  readonly ipAddr: IpAddr;
  readonly source: SourceReport;
}

/**
 * Why a command-protocol exchange or a `chronyc -c` reading failed:
 *
 * - `truncated`: shorter than the reply header or than the length its reply code requires
 * - `oversized`: longer than chronyd could have sent (it never replies with more bytes than the request had)
 * - `malformed`: a header field or a body value that chronyd 4.3 never sends (a count above `MAX_SOURCES` too)
 * - `version`: chronyd speaks another protocol version (status BADPKTVERSION)
 * - `mismatch`: the reply answers another command or sequence
 * - `unexpected-reply`: a success status with a reply code other than the one the command expects
 * - `unauthorised`: status UNAUTH, the command is served only on chronyd's Unix socket
 * - `no-such-source`: status NOSUCHSOURCE
 * - `status`: any other non-success status (see `CmdmonError.status`)
 * - `timeout`, `unreachable`, `socket`, `closed`: transport failures of the UDP client; `timeout` also
 *   when a call's deadline passes
 * - `chronyc-output`: `chronyc -c` printed something the reader cannot take as the expected report
 */
export type CmdmonErrorCode =
  | "truncated"
  | "oversized"
  | "malformed"
  | "version"
  | "mismatch"
  | "unexpected-reply"
  | "unauthorised"
  | "no-such-source"
  | "status"
  | "timeout"
  | "unreachable"
  | "socket"
  | "closed"
  | "chronyc-output";

/** A failed exchange with chronyd or a `chronyc -c` output that cannot be read. Branch on `code`, never on the message. */
export class CmdmonError extends Error {
  /** What kind of failure this is. */
  public readonly code: CmdmonErrorCode;
  /** chronyd's status code, when the reply carried one that is not a success. */
  public readonly status?: number;

  constructor(code: CmdmonErrorCode, message: string, status?: number) {
    super(message);
    this.name = "CmdmonError";
    this.code = code;
    if (status !== undefined) this.status = status;
  }
}

/** True for a {@link CmdmonError}; a brand check that survives duplicate installs, unlike `instanceof`. */
export function isCmdmonError(x: unknown): x is CmdmonError {
  return typeof x === "object" && x !== null && (x as { name?: unknown }).name === "CmdmonError";
}
