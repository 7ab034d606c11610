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
  /** Whether a leap second is announced, or chronyd is not synchronised. */
  readonly leapStatus: LeapStatus;
  /**
   * The correction chronyd is still applying to the system clock (chronyc: "System time").
   * Positive: the system clock is behind ("slow of") NTP time; negative: ahead ("fast").
   */
  readonly systemTimeOffset: number;
  /** The offset measured at the last clock update. */
  readonly lastOffset: number;
  /** The long-term average of the offset. */
  readonly rmsOffset: number;
  /** The system clock's frequency error. Positive: it runs fast (chronyc: "ppm fast"); negative: slow. */
  readonly frequencyPpm: number;
  /** The difference between the reference's frequency and the one being applied. */
  readonly residualFrequencyPpm: number;
  /** The estimated error bound of the frequency. */
  readonly skewPpm: number;
  /** The total network path delay to the stratum-1 computer at the root of the synchronisation tree. */
  readonly rootDelay: number;
  /** The total dispersion accumulated through all computers back to the stratum-1 root. */
  readonly rootDispersion: number;
  /** The interval between the last two clock updates. */
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
  /** Server, peer or reference clock (chronyc's `^`, `=`, `#`). */
  readonly mode: SourceMode;
  /** Whether chronyd selected the source, combines it, or why not. */
  readonly state: SourceState;
  /** The source's stratum; 0 before it answered. */
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
  /** As in `SourceReport.address`. */
  readonly address: string;
  /** As in `SourceReport.name`. */
  readonly name?: string;
  /** Sample points kept for the source. */
  readonly samples: number;
  /** Runs of residuals with the same sign since the last regression; few runs mean a poor fit. */
  readonly runs: number;
  /** Time between the oldest and the newest sample. */
  readonly spanSeconds: number;
  /** Residual frequency of the source's clock against the local one. */
  readonly frequencyPpm: number;
  /** The estimated error bound of `frequencyPpm`. */
  readonly skewPpm: number;
  /** The estimated offset of the source. */
  readonly offset: number;
  /** The estimated standard deviation of the samples. */
  readonly stdDev: number;
  /** The estimated offset's error; only the command protocol reports it (chronyc does not print it). */
  readonly offsetError?: number;
}

/** `chronyc activity`: how many sources are online, offline, in a burst, or unresolved. */
export interface Activity {
  /** Sources that are online. */
  readonly online: number;
  /** Sources that are offline. */
  readonly offline: number;
  /** Sources in a burst that return online after it. */
  readonly burstOnline: number;
  /** Sources in a burst that go offline after it. */
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
  /** The source's address. */
  readonly remoteAddress: string;
  /** The source's NTP port. */
  readonly remotePort: number;
  /** null until chronyd knows which local address it uses. */
  readonly localAddress: string | null;
  /** The leap indicator of the last packet received. */
  readonly leapStatus: LeapStatus;
  /** The NTP version of the last packet received. */
  readonly version: number;
  /** The mode of the last packet received. */
  readonly mode: NtpMode;
  /** The stratum the source announced. */
  readonly stratum: number;
  /** log2 seconds. */
  readonly poll: number;
  /** log2 seconds. */
  readonly precision: number;
  /** The root delay the source announced. */
  readonly rootDelay: number;
  /** The root dispersion the source announced. */
  readonly rootDispersion: number;
  /** The source's reference ID, 8 uppercase hex digits. */
  readonly refId: string;
  /** The refid's text, which chronyc shows only for stratum 0 and 1 servers. */
  readonly refName?: string;
  /** The source's reference time, seconds since the epoch. */
  readonly refTime: number;
  /** The offset of the last measurement. */
  readonly offset: number;
  /** The round-trip delay of the last measurement. */
  readonly peerDelay: number;
  /** The dispersion of the last measurement. */
  readonly peerDispersion: number;
  /** How long the source took to answer, seconds. */
  readonly responseTime: number;
  /** The estimated asymmetry of network jitter, −0.5 to 0.5. */
  readonly jitterAsymmetry: number;
  /** Which of chrony's packet tests the last packet passed. */
  readonly tests: NtpTests;
  /** The 10 test bits as chronyc prints them, test1 first ("111 111 1111" = 0x3FF). */
  readonly testBits: number;
  /** Whether the last exchange used interleaved mode. */
  readonly interleaved: boolean;
  /** Whether the last packet was authenticated. */
  readonly authenticated: boolean;
  /** Where the last transmit timestamp was taken. */
  readonly txTimestamping: Timestamping;
  /** Where the last receive timestamp was taken. */
  readonly rxTimestamping: Timestamping;
  /** Packets sent to the source. */
  readonly totalTx: number;
  /** Packets received from the source. */
  readonly totalRx: number;
  /** Packets received that passed the tests up to the authentication. */
  readonly totalValidRx: number;
  /** Packets received that passed every test. */
  readonly totalGoodRx: number;
}

/** How a source is authenticated: not at all, a symmetric key, or NTS. */
export type AuthMode = "none" | "symmetric" | "nts" | "unknown";

/** One line of `chronyc authdata`. */
export interface AuthData {
  /** The source's address (the one asked about). */
  readonly address: string;
  /** The name the source was configured with. */
  readonly name?: string;
  /** How the source is authenticated. */
  readonly mode: AuthMode;
  /** Symmetric key ID (NTS: the context ID). */
  readonly keyId: number;
  /** chrony's numeric type (1 MD5, 2 SHA1, 3 SHA256, …, 13 AES128, 14 AES256; NTS AEAD ids 15–17, 30, 31). */
  readonly keyType: number;
  /** The key's length in bits. */
  readonly keyLengthBits: number;
  /** Seconds since the last NTS-KE session; null when never. */
  readonly lastKeAgo: number | null;
  /** NTS-KE attempts since the last success. */
  readonly keAttempts: number;
  /** Whether the source answered with an NTS NAK (1) or not (0). */
  readonly nak: number;
  /** NTS cookies held. */
  readonly cookies: number;
  /** The length of the NTS cookies, bytes. */
  readonly cookieLength: number;
}

/**
 * `chronyc rtcdata`: what chronyd knows of the real-time clock it tracks (`rtcfile`; chronyd 4.3
 * reads /dev/rtc). A host that keeps its RTC with `rtcsync` (Debian's and RHEL's default) or has no
 * RTC has none: the client returns null there (status NORTC, chronyc's "513 RTC driver not running").
 */
export interface RtcReport {
  /** When chronyd last measured the RTC, seconds since the epoch; 0 when never (chronyc: "RTC ref time (UTC)"). */
  readonly refTime: number;
  /** Measurements kept for the RTC's regression. */
  readonly samples: number;
  /** Runs of residuals with the same sign; few runs mean a poor fit. */
  readonly runs: number;
  /** Time between the oldest and the newest measurement (chronyc: "Sample span period"). */
  readonly spanSeconds: number;
  /** How far the RTC is ahead of true time at refTime; negative when it is behind (chronyc: "RTC is fast by"). */
  readonly rtcSecondsFast: number;
  /** How fast the RTC gains time; negative when it loses (chronyc: "RTC gains time at"). */
  readonly rtcGainRatePpm: number;
}

/** A source's selection options (chrony's noselect, prefer, trust, require). */
export interface SelectOptions {
  /** Never selected (`noselect`). */
  readonly noselect: boolean;
  /** Preferred over others (`prefer`). */
  readonly prefer: boolean;
  /** Trusted even when others disagree (`trust`). */
  readonly trust: boolean;
  /** Required to agree before others are selected (`require`). */
  readonly require: boolean;
}

/** One line of `chronyc selectdata`: why chronyd selects a source or not. */
export interface SelectData {
  /** As in `SourceReport.address`. */
  readonly address: string;
  /** As in `SourceReport.name`. */
  readonly name?: string;
  /** chronyc selectdata's state letter (N, s, M, d, D, ~, w, W, S, O, T, P, U, L, x, +, *, ?). */
  readonly stateChar: string;
  /** Whether the source's packets are authenticated. */
  readonly authenticated: boolean;
  /** The options the source was configured with. */
  readonly configuredOptions: SelectOptions;
  /** The options in effect (chronyd adds some, e.g. trust and require for refclocks). */
  readonly effectiveOptions: SelectOptions;
  /** Seconds since the last sample was used. */
  readonly lastSampleAgo: number;
  /** The score used to choose between sources (lower is better). */
  readonly score: number;
  /** The low end of the source's interval of possible offsets. */
  readonly loLimit: number;
  /** The high end of the source's interval of possible offsets. */
  readonly hiLimit: number;
  /** The leap status the source reports. */
  readonly leapStatus: LeapStatus;
}

/** chronyd's server counters (32-bit in 4.3: they wrap). */
export interface ServerStats {
  /** NTP requests received. */
  readonly ntpHits: number;
  /** NTS-KE connections accepted. */
  readonly nkeHits: number;
  /** Command requests received. */
  readonly cmdHits: number;
  /** NTP requests dropped (rate limiting). */
  readonly ntpDrops: number;
  /** NTS-KE connections dropped. */
  readonly nkeDrops: number;
  /** Command requests dropped. */
  readonly cmdDrops: number;
  /** Client log records dropped (memory limit). */
  readonly logDrops: number;
  /** Authenticated NTP requests received. */
  readonly ntpAuthHits: number;
  /** Interleaved NTP requests received. */
  readonly ntpInterleavedHits: number;
  /** Timestamps held for interleaved mode. */
  readonly ntpTimestamps: number;
  /** How far back the held timestamps reach. */
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
  /** The address block as chronyd sent it, to send back unchanged. */
  readonly ipAddr: IpAddr;
  /** The source as `chronyc sources` shows it. */
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
