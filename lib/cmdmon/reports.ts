import { Command, MAX_SOURCES, ReplyCode, replyLength, requestLength, type CommandCode, type ReplyCodeValue } from "./protocol";
import {
  CmdmonError,
  type Activity,
  type AuthData,
  type AuthMode,
  type IpAddr,
  type NtpData,
  type NtpMode,
  type RtcReport,
  type SelectData,
  type ServerStats,
  type SourceDataEntry,
  type SourceMode,
  type SourceState,
  type SourceStats,
  type Timestamping,
  type Tracking,
} from "./types";
import {
  AddressFamily,
  IP_ADDR_LENGTH,
  addressOrRefIdText,
  buildRequest,
  ipAddrToString,
  leapStatusFromCode,
  ntpTestsFromBits,
  openReply,
  readChronyFloat,
  readIpAddr,
  readTimespec,
  refIdOfRefclockAddress,
  refIdToHex,
  refIdToText,
  selectOptionsFromBits,
  writeIpAddr,
  type RequestEnvelope,
} from "./wire";

// Every report this package reads, one table entry each: the command and reply codes, the lengths,
// how to write the request body and how to read the reply body. An entry is the whole exchange;
// the client and the tests take it as it is. Offsets are from the start of the datagram, as in the
// protocol fact sheet.

/** What a report's entry declares; the lengths are derived from the protocol tables. */
interface ReportSpec<Args extends readonly unknown[], Value> {
  /** chrony's name of the command, for messages. */
  readonly name: string;
  /** The request's command code. */
  readonly command: CommandCode;
  /** The reply code of a successful answer. */
  readonly reply: ReplyCodeValue;
  /** Bytes of request body after the 20-byte header, before the padding. */
  readonly requestBodyLength: number;
  /** Writes the request body into a zeroed request; offsets count from the start of the datagram. */
  readonly writeRequest: (request: DataView, bytes: Uint8Array, ...args: Args) => void;
  /** Reads a reply whose header, status, code and length are already checked; throws CmdmonError for values chronyd never sends. */
  readonly readReply: (reply: DataView, bytes: Uint8Array, args: Args) => Value;
}

/**
 * One command-protocol exchange: the request chronyd needs and how to read its successful reply.
 * `Args` are what the request carries (a source index, an address); `Value` is what the reply gives.
 * Use it with {@link encodeRequest} and {@link decodeReply}, or `CmdmonClient.query`.
 */
export interface Report<Args extends readonly unknown[], Value> extends ReportSpec<Args, Value> {
  /** The request's size on the wire: header and body, padded with zeros to the reply's length. */
  readonly requestLength: number;
  /** The successful reply's length. */
  readonly replyLength: number;
}

function defineReport<Args extends readonly unknown[], Value>(spec: ReportSpec<Args, Value>): Report<Args, Value> {
  return { ...spec, requestLength: requestLength(spec.requestBodyLength, spec.reply), replyLength: replyLength(spec.reply) };
}

/** The datagram for one try of `report`'s request. */
export function encodeRequest<Args extends readonly unknown[]>(report: Report<Args, unknown>, envelope: RequestEnvelope, ...args: Args): Buffer {
  const bytes = buildRequest(report.command, report.requestLength, envelope);
  report.writeRequest(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes, ...args);
  return bytes;
}

/**
 * The value of a successful reply to `report` with this `sequence`; throws CmdmonError for anything
 * else. `args` are the request's, for replies that do not repeat them (AUTH_DATA's address).
 */
export function decodeReply<Args extends readonly unknown[], Value>(
  report: Report<Args, Value>,
  bytes: Uint8Array,
  sequence: number,
  ...args: Args
): Value {
  const view = openReply(bytes, report, sequence);
  return report.readReply(view, bytes, args);
}

const noBody = (): void => undefined;

function writeSourceIndex(request: DataView, _bytes: Uint8Array, index: number): void {
  // An index is u32 on the wire; a bad one is a programming error, not a chronyd answer.
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) {
    throw new TypeError(`source index must be an integer from 0 to 4294967295, got ${index}`);
  }
  request.setUint32(20, index, false);
}

function writeAddress(_request: DataView, bytes: Uint8Array, address: IpAddr): void {
  writeIpAddr(bytes, 20, address);
}

const SOURCE_MODES: readonly SourceMode[] = ["server", "peer", "refclock"];
// Wire order of chronyd's source states; "UNSELECTED" (4) is what chronyc shows as combined.
const SOURCE_STATES: readonly SourceState[] = ["selected", "nonselectable", "falseticker", "jittery", "combined", "notCombined"];
const AUTH_MODES: readonly AuthMode[] = ["none", "symmetric", "nts"];
// SOURCE_DATA's "no sample yet" and AUTH_DATA's "never".
const NEVER = 0xffffffff;
const NTP_FLAG_TESTS = 0x3ff;
const NTP_FLAG_INTERLEAVED = 0x4000;
const NTP_FLAG_AUTHENTICATED = 0x8000;
const NAME_LENGTH = 256;

// NTP packet modes: 1 symmetric active, 2 symmetric passive, 4 server; 0 = nothing received yet.
const NTP_MODES: Readonly<Record<number, NtpMode>> = { 1: "symmetricActive", 2: "symmetricPassive", 4: "server" };
const TIMESTAMPING: Readonly<Record<string, Timestamping>> = { D: "daemon", K: "kernel", H: "hardware" };

/** The reports this package reads, by chrony's command name. Each entry is the whole exchange. */
export const Reports = {
  /** How many sources chronyd has; their indices run 0..n−1. More than {@link MAX_SOURCES} is refused. */
  N_SOURCES: defineReport<[], number>({
    name: "N_SOURCES",
    command: Command.N_SOURCES,
    reply: ReplyCode.N_SOURCES,
    requestBodyLength: 0,
    writeRequest: noBody,
    readReply: (reply): number => {
      const count = reply.getUint32(28, false);
      if (count > MAX_SOURCES) {
        throw new CmdmonError(
          "malformed",
          `N_SOURCES reply announces ${count} sources (field n_sources), more than the ${MAX_SOURCES} this client accepts from any chronyd: check that the port is chronyd's cmdport`,
        );
      }
      return count;
    },
  }),

  /** One source by index, as `chronyc sources` shows it, with the address block for per-source queries. */
  SOURCE_DATA: defineReport<[index: number], SourceDataEntry>({
    name: "SOURCE_DATA",
    command: Command.SOURCE_DATA,
    reply: ReplyCode.SOURCE_DATA,
    requestBodyLength: 4,
    writeRequest: writeSourceIndex,
    readReply: (reply, bytes): SourceDataEntry => {
      const ipAddr = readIpAddr(bytes, 28);
      const modeCode = reply.getUint16(54, false);
      const mode = SOURCE_MODES[modeCode];
      if (mode === undefined) throw new CmdmonError("malformed", `SOURCE_DATA reply has source mode ${modeCode}; chrony uses 0 to 2`);
      const stateCode = reply.getUint16(52, false);
      const state = SOURCE_STATES[stateCode];
      if (state === undefined) throw new CmdmonError("malformed", `SOURCE_DATA reply has source state ${stateCode}; chrony uses 0 to 5`);
      const reach = reply.getUint16(58, false);
      if (reach > 0xff) throw new CmdmonError("malformed", `SOURCE_DATA reply has reachability ${reach}; the register has 8 bits`);
      const sinceSample = reply.getUint32(60, false);
      // A refclock travels as an INET4 "address" whose bytes are its refid, and chronyc prints the refid.
      const address =
        mode === "refclock" && ipAddr.family === AddressFamily.INET4 ? refIdToText(refIdOfRefclockAddress(ipAddr)) : ipAddrToString(ipAddr);
      return {
        ipAddr,
        source: {
          address,
          mode,
          state,
          stratum: reply.getUint16(50, false),
          poll: reply.getInt16(48, false),
          reach,
          lastRx: sinceSample === NEVER ? null : sinceSample,
          offset: readChronyFloat(reply, 68),
          measuredOffset: readChronyFloat(reply, 64),
          error: readChronyFloat(reply, 72),
        },
      };
    },
  }),

  /** The name an NTP source was configured with (hostname or address text); NOSUCHSOURCE for others. */
  NTP_SOURCE_NAME: defineReport<[address: IpAddr], string>({
    name: "NTP_SOURCE_NAME",
    command: Command.NTP_SOURCE_NAME,
    reply: ReplyCode.NTP_SOURCE_NAME,
    requestBodyLength: IP_ADDR_LENGTH,
    writeRequest: writeAddress,
    readReply: (_reply, bytes): string => {
      const field = bytes.subarray(28, 28 + NAME_LENGTH);
      // Like chronyc: a name filling all 256 bytes has no terminator and is refused, and only
      // printable non-space ASCII is accepted (hostnames and addresses never need more).
      if (field[NAME_LENGTH - 1] !== 0) {
        throw new CmdmonError("malformed", "NTP_SOURCE_NAME reply has a name of 256 bytes without its terminating NUL");
      }
      let name = "";
      for (const byte of field) {
        if (byte === 0) break;
        if (byte < 0x21 || byte > 0x7e) {
          throw new CmdmonError(
            "malformed",
            `NTP_SOURCE_NAME reply has byte 0x${byte.toString(16).padStart(2, "0")} in the name; chrony names are printable ASCII`,
          );
        }
        name += String.fromCharCode(byte);
      }
      return name;
    },
  }),

  /** `chronyc tracking`. */
  TRACKING: defineReport<[], Tracking>({
    name: "TRACKING",
    command: Command.TRACKING,
    reply: ReplyCode.TRACKING,
    requestBodyLength: 0,
    writeRequest: noBody,
    readReply: (reply, bytes): Tracking => {
      const refId = reply.getUint32(28, false);
      const refName = addressOrRefIdText(readIpAddr(bytes, 32), refId);
      return {
        refId: refIdToHex(refId),
        ...(refName === "" ? {} : { refName }),
        stratum: reply.getUint16(52, false),
        leapStatus: leapStatusFromCode(reply.getUint16(54, false), "TRACKING reply"),
        refTime: readTimespec(reply, 56),
        systemTimeOffset: readChronyFloat(reply, 68),
        lastOffset: readChronyFloat(reply, 72),
        rmsOffset: readChronyFloat(reply, 76),
        frequencyPpm: readChronyFloat(reply, 80),
        residualFrequencyPpm: readChronyFloat(reply, 84),
        skewPpm: readChronyFloat(reply, 88),
        rootDelay: readChronyFloat(reply, 92),
        rootDispersion: readChronyFloat(reply, 96),
        updateInterval: readChronyFloat(reply, 100),
      };
    },
  }),

  /** One source's sample statistics by index, as `chronyc sourcestats` shows them. */
  SOURCESTATS: defineReport<[index: number], SourceStats>({
    name: "SOURCESTATS",
    command: Command.SOURCESTATS,
    reply: ReplyCode.SOURCESTATS,
    requestBodyLength: 4,
    writeRequest: writeSourceIndex,
    readReply: (reply, bytes): SourceStats => ({
      address: addressOrRefIdText(readIpAddr(bytes, 32), reply.getUint32(28, false)),
      samples: reply.getUint32(52, false),
      runs: reply.getUint32(56, false),
      spanSeconds: reply.getUint32(60, false),
      frequencyPpm: readChronyFloat(reply, 68),
      skewPpm: readChronyFloat(reply, 72),
      offset: readChronyFloat(reply, 76),
      stdDev: readChronyFloat(reply, 64),
      offsetError: readChronyFloat(reply, 80),
    }),
  }),

  /** `chronyc activity`. */
  ACTIVITY: defineReport<[], Activity>({
    name: "ACTIVITY",
    command: Command.ACTIVITY,
    reply: ReplyCode.ACTIVITY,
    requestBodyLength: 0,
    writeRequest: noBody,
    readReply: (reply): Activity => ({
      online: reply.getInt32(28, false),
      offline: reply.getInt32(32, false),
      burstOnline: reply.getInt32(36, false),
      burstOffline: reply.getInt32(40, false),
      unresolved: reply.getInt32(44, false),
    }),
  }),

  /**
   * `chronyc rtcdata`: the RTC chronyd tracks (`rtcfile`). A chronyd that tracks none answers status
   * NORTC (`CmdmonClient.rtcData()` returns null for it).
   */
  RTCREPORT: defineReport<[], RtcReport>({
    name: "RTCREPORT",
    command: Command.RTCREPORT,
    reply: ReplyCode.RTC,
    requestBodyLength: 0,
    writeRequest: noBody,
    readReply: (reply): RtcReport => ({
      refTime: readTimespec(reply, 28),
      samples: reply.getUint16(40, false),
      runs: reply.getUint16(42, false),
      spanSeconds: reply.getUint32(44, false),
      rtcSecondsFast: readChronyFloat(reply, 48),
      rtcGainRatePpm: readChronyFloat(reply, 52),
    }),
  }),

  /** `chronyc serverstats`; chronyd 4.3 answers with 32-bit counters (4.4 changed to a longer reply). Unix socket only. */
  SERVER_STATS: defineReport<[], ServerStats>({
    name: "SERVER_STATS",
    command: Command.SERVER_STATS,
    reply: ReplyCode.SERVER_STATS3,
    requestBodyLength: 0,
    writeRequest: noBody,
    readReply: (reply): ServerStats => {
      const u32 = (offset: number): number => reply.getUint32(offset, false);
      return {
        ntpHits: u32(28),
        nkeHits: u32(32),
        cmdHits: u32(36),
        ntpDrops: u32(40),
        nkeDrops: u32(44),
        cmdDrops: u32(48),
        logDrops: u32(52),
        ntpAuthHits: u32(56),
        ntpInterleavedHits: u32(60),
        ntpTimestamps: u32(64),
        ntpSpanSeconds: u32(68),
      };
    },
  }),

  /** `chronyc ntpdata` for one NTP source by address. Unix socket only. */
  NTP_DATA: defineReport<[address: IpAddr], NtpData>({
    name: "NTP_DATA",
    command: Command.NTP_DATA,
    reply: ReplyCode.NTP_DATA,
    requestBodyLength: IP_ADDR_LENGTH,
    writeRequest: writeAddress,
    readReply: (reply, bytes): NtpData => {
      const local = readIpAddr(bytes, 48);
      const stratum = bytes[73];
      const refId = reply.getUint32(84, false);
      const refName = stratum <= 1 ? refIdToText(refId) : "";
      const flags = reply.getUint16(120, false);
      return {
        remoteAddress: ipAddrToString(readIpAddr(bytes, 28)),
        remotePort: reply.getUint16(68, false),
        localAddress: local.family === AddressFamily.UNSPEC ? null : ipAddrToString(local),
        leapStatus: leapStatusFromCode(bytes[70], "NTP_DATA reply"),
        version: bytes[71],
        mode: NTP_MODES[bytes[72]] ?? "unknown",
        stratum,
        poll: reply.getInt8(74),
        precision: reply.getInt8(75),
        rootDelay: readChronyFloat(reply, 76),
        rootDispersion: readChronyFloat(reply, 80),
        refId: refIdToHex(refId),
        ...(refName === "" ? {} : { refName }),
        refTime: readTimespec(reply, 88),
        offset: readChronyFloat(reply, 100),
        peerDelay: readChronyFloat(reply, 104),
        peerDispersion: readChronyFloat(reply, 108),
        responseTime: readChronyFloat(reply, 112),
        jitterAsymmetry: readChronyFloat(reply, 116),
        tests: ntpTestsFromBits(flags & NTP_FLAG_TESTS),
        testBits: flags & NTP_FLAG_TESTS,
        interleaved: (flags & NTP_FLAG_INTERLEAVED) !== 0,
        authenticated: (flags & NTP_FLAG_AUTHENTICATED) !== 0,
        txTimestamping: TIMESTAMPING[String.fromCharCode(bytes[122])] ?? "unknown",
        rxTimestamping: TIMESTAMPING[String.fromCharCode(bytes[123])] ?? "unknown",
        totalTx: reply.getUint32(124, false),
        totalRx: reply.getUint32(128, false),
        totalValidRx: reply.getUint32(132, false),
        totalGoodRx: reply.getUint32(136, false),
      };
    },
  }),

  /** `chronyc authdata` for one NTP source by address; the reply does not repeat the address, the request's is used. Unix socket only. */
  AUTH_DATA: defineReport<[address: IpAddr], AuthData>({
    name: "AUTH_DATA",
    command: Command.AUTH_DATA,
    reply: ReplyCode.AUTH_DATA,
    requestBodyLength: IP_ADDR_LENGTH,
    writeRequest: writeAddress,
    readReply: (reply, _bytes, [address]): AuthData => {
      const lastKeAgo = reply.getUint32(40, false);
      return {
        address: ipAddrToString(address),
        mode: AUTH_MODES[reply.getUint16(28, false)] ?? "unknown",
        keyId: reply.getUint32(32, false),
        keyType: reply.getUint16(30, false),
        keyLengthBits: reply.getUint16(36, false),
        lastKeAgo: lastKeAgo === NEVER ? null : lastKeAgo,
        keAttempts: reply.getUint16(38, false),
        nak: reply.getUint16(48, false),
        cookies: reply.getUint16(44, false),
        cookieLength: reply.getUint16(46, false),
      };
    },
  }),

  /** `chronyc selectdata` for one source by index. Unix socket only. */
  SELECT_DATA: defineReport<[index: number], SelectData>({
    name: "SELECT_DATA",
    command: Command.SELECT_DATA,
    reply: ReplyCode.SELECT_DATA,
    requestBodyLength: 4,
    writeRequest: writeSourceIndex,
    readReply: (reply, bytes): SelectData => {
      const stateByte = bytes[52];
      if (stateByte < 0x21 || stateByte > 0x7e) {
        throw new CmdmonError("malformed", `SELECT_DATA reply has state byte 0x${stateByte.toString(16)}; chrony sends a printable letter`);
      }
      return {
        address: addressOrRefIdText(readIpAddr(bytes, 32), reply.getUint32(28, false)),
        stateChar: String.fromCharCode(stateByte),
        authenticated: bytes[53] !== 0,
        configuredOptions: selectOptionsFromBits(reply.getUint16(56, false)),
        effectiveOptions: selectOptionsFromBits(reply.getUint16(58, false)),
        lastSampleAgo: reply.getUint32(60, false),
        score: readChronyFloat(reply, 64),
        loLimit: readChronyFloat(reply, 68),
        hiLimit: readChronyFloat(reply, 72),
        leapStatus: leapStatusFromCode(bytes[54], "SELECT_DATA reply"),
      };
    },
  }),
} as const;
