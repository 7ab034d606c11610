import { isIP } from "node:net";
import {
  MAX_REQUEST_LENGTH,
  PacketType,
  PROTOCOL_VERSION,
  REPLY_HEADER_LENGTH,
  REQUEST_HEADER_LENGTH,
  commandName,
  describeStatus,
  isSuccessStatus,
  replyLength,
  Status,
} from "./protocol";
import { CmdmonError, type IpAddr, type LeapStatus, type NtpTests, type SelectOptions } from "./types";

// The field encodings every report shares (chrony's Float, Timespec, IPAddr, refid, leap and flag
// words) and the two headers: building a request, and checking a reply as chronyc does. Pure: bytes
// in, values out. All integers on the wire are big-endian.

// ---- Float: a 7-bit two's-complement exponent above a 25-bit two's-complement coefficient,
// value = coefficient × 2^(exponent − 25). Not IEEE 754: no hidden bit, no NaN or infinity.

const COEF_BITS = 25;
const EXP_MIN = -64;
const EXP_MAX = 63;
const COEF_MAX = 0xffffff;
const COEF_MASK = 0x1ffffff;

/** The value of one of chrony's 32-bit Float words (read as a big-endian u32). */
export function decodeChronyFloat(word: number): number {
  let exponent = word >>> COEF_BITS;
  if (exponent >= 64) exponent -= 128;
  let coefficient = word & COEF_MASK;
  if (coefficient >= 0x1000000) coefficient -= 0x2000000;
  return coefficient * Math.pow(2, exponent - COEF_BITS);
}

/** The Float word chronyd itself would produce for `x`, bit for bit (same rounding, saturation and underflow). */
export function encodeChronyFloat(x: number): number {
  if (Number.isNaN(x)) return 0;
  const negative = x < 0 ? 1 : 0;
  const magnitude = Math.abs(x);
  let exponent: number;
  let coefficient: number;
  if (magnitude < 1e-100) {
    return 0;
  } else if (magnitude > 1e100) {
    exponent = EXP_MAX;
    coefficient = COEF_MAX + negative;
  } else {
    // chronyd computes log2 as ln(x)/ln(2) and truncates toward zero; doing the same keeps the
    // exponent identical at the boundaries where a true log2 would round the other way.
    exponent = Math.trunc(Math.log(magnitude) / Math.log(2) + 1);
    coefficient = Math.trunc(magnitude * Math.pow(2, COEF_BITS - exponent) + 0.5);
    while (coefficient > COEF_MAX + negative) {
      coefficient = Math.floor(coefficient / 2);
      exponent++;
    }
    if (exponent > EXP_MAX) {
      exponent = EXP_MAX;
      coefficient = COEF_MAX + negative;
    } else if (exponent < EXP_MIN) {
      if (exponent + COEF_BITS >= EXP_MIN) {
        coefficient = Math.floor(coefficient / Math.pow(2, EXP_MIN - exponent));
        exponent = EXP_MIN;
      } else {
        return 0;
      }
    }
  }
  if (negative) coefficient = -coefficient & COEF_MASK;
  return (((exponent & 0x7f) << COEF_BITS) | coefficient) >>> 0;
}

/** The Float at `offset`. */
export function readChronyFloat(view: DataView, offset: number): number {
  return decodeChronyFloat(view.getUint32(offset, false));
}

/** Writes `x` as a Float at `offset`. */
export function writeChronyFloat(view: DataView, offset: number, x: number): void {
  view.setUint32(offset, encodeChronyFloat(x), false);
}

// ---- Timespec: u32 seconds (high), u32 seconds (low), u32 nanoseconds.

/** Bytes of a Timespec field. */
export const TIMESPEC_LENGTH = 12;

// A sender with a 32-bit time_t puts this in the high word; it means "no high part".
const NO_HIGH_SECONDS = 0x7fffffff;

/** The Timespec at `offset` in seconds since the epoch; 0 when chronyd means "never". */
export function readTimespec(view: DataView, offset: number): number {
  let high = view.getUint32(offset, false);
  if (high === NO_HIGH_SECONDS) high = 0;
  const low = view.getUint32(offset + 4, false);
  const nanoseconds = Math.min(view.getUint32(offset + 8, false), 999_999_999);
  return high * 2 ** 32 + low + nanoseconds / 1e9;
}

// ---- IPAddr: 16 address bytes, u16 family, u16 padding.

/** Bytes of an IPAddr field. */
export const IP_ADDR_LENGTH = 20;

/** The family numbers of an {@link IpAddr}. */
export const AddressFamily = {
  /** No address (all zeros). */
  UNSPEC: 0,
  /** IPv4, in the first 4 bytes. */
  INET4: 1,
  /** IPv6, all 16 bytes. */
  INET6: 2,
  /** An unresolved source: bytes 0–3 are a big-endian id. */
  ID: 3,
} as const;

/** The IPAddr block at `offset`, copied out of `bytes`. */
export function readIpAddr(bytes: Uint8Array, offset: number): IpAddr {
  const family = (bytes[offset + 16] << 8) | bytes[offset + 17];
  return { family, bytes: Uint8Array.from(bytes.subarray(offset, offset + 16)) };
}

/** Writes an IPAddr block at `offset`, unchanged (an unknown family included). */
export function writeIpAddr(target: Uint8Array, offset: number, addr: IpAddr): void {
  target.set(addr.bytes.subarray(0, 16), offset);
  target[offset + 16] = (addr.family >>> 8) & 0xff;
  target[offset + 17] = addr.family & 0xff;
}

function firstWord(addr: IpAddr): number {
  const b = addr.bytes;
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

/** The text chronyc prints for an address: dotted quad, inet_ntop IPv6, `ID#0000000001`, `[UNSPEC]`. */
export function ipAddrToString(addr: IpAddr): string {
  switch (addr.family) {
    case AddressFamily.UNSPEC:
      return "[UNSPEC]";
    case AddressFamily.INET4:
      return Array.from(addr.bytes.subarray(0, 4)).join(".");
    case AddressFamily.INET6:
      return formatIpv6(addr.bytes);
    case AddressFamily.ID:
      return `ID#${String(firstWord(addr)).padStart(10, "0")}`;
    default:
      return "[UNKNOWN]";
  }
}

/**
 * The name chronyc shows for a source or a reference: refclocks (and references that are not NTP
 * sources) by their refid text, everything else by its address.
 */
export function addressOrRefIdText(addr: IpAddr, refId: number): string {
  return addr.family === AddressFamily.UNSPEC ? refIdToText(refId) : ipAddrToString(addr);
}

/** SOURCE_DATA reports a refclock as an INET4 "address" whose bytes are its refid. */
export function refIdOfRefclockAddress(addr: IpAddr): number {
  return firstWord(addr);
}

// Same output as glibc's inet_ntop, which chronyc uses: the first longest run of two or more zero
// words becomes "::", and ::a.b.c.d / ::ffff:a.b.c.d keep their dotted tail.
function formatIpv6(b: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((b[2 * i] << 8) | b[2 * i + 1]);
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && words[i] === 0) {
      if (curBase === -1) {
        curBase = i;
        curLen = 1;
      } else {
        curLen++;
      }
    } else if (curBase !== -1) {
      if (bestBase === -1 || curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (bestBase !== -1 && bestLen < 2) bestBase = -1;
  let text = "";
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) text += ":";
      continue;
    }
    if (i !== 0) text += ":";
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      text += `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
      return text;
    }
    text += words[i].toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) text += ":";
  return text;
}

/**
 * An IPv4 or IPv6 address in text form as an IpAddr block; undefined when `node:net` `isIP` does not
 * take it as an address (so `01.2.3.4` is refused, as inet_pton refuses it) or it has a zone (`%eth0`).
 */
export function parseIpAddr(text: string): IpAddr | undefined {
  const version = isIP(text);
  if (version === 4) {
    const bytes = new Uint8Array(16);
    bytes.set(text.split(".").map(Number), 0);
    return { family: AddressFamily.INET4, bytes };
  }
  if (version !== 6) return undefined;
  const bytes = parseIpv6(text);
  return bytes ? { family: AddressFamily.INET6, bytes } : undefined;
}

/** Like {@link parseIpAddr}, and also chronyc's `ID#0000000001` form of an unresolved source. */
export function parseSourceAddress(text: string): IpAddr | undefined {
  const id = /^ID#(\d{10})$/.exec(text);
  if (!id) return parseIpAddr(text);
  const value = Number(id[1]);
  if (value > 0xffffffff) return undefined;
  const bytes = new Uint8Array(16);
  new DataView(bytes.buffer).setUint32(0, value, false);
  return { family: AddressFamily.ID, bytes };
}

// The bytes of text that isIP already accepted as IPv6; only a zone ("%eth0") can still fail here.
function parseIpv6(text: string): Uint8Array | undefined {
  if (text.includes("%")) return undefined;
  const [head, tail] = text.split("::");
  const words = (part: string | undefined): number[] => {
    if (part === undefined || part === "") return [];
    return part.split(":").flatMap((group) => {
      if (!group.includes(".")) return [parseInt(group, 16)];
      const [a, b, c, d] = group.split(".").map(Number);
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const front = words(head);
  const back = words(tail);
  const all = tail === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >>> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

// ---- refid

/** A reference ID as chronyc prints it: 8 uppercase hex digits. */
export function refIdToHex(refId: number): string {
  return (refId >>> 0).toString(16).toUpperCase().padStart(8, "0");
}

/** The printable ASCII bytes of a reference ID, as chronyc shows a refclock ("GPS", "SHM0"). */
export function refIdToText(refId: number): string {
  let text = "";
  for (let shift = 24; shift >= 0; shift -= 8) {
    const c = (refId >>> shift) & 0xff;
    if (c >= 0x20 && c <= 0x7e) text += String.fromCharCode(c);
  }
  return text;
}

// ---- leap status and flag words

const LEAP_STATUSES: readonly LeapStatus[] = ["normal", "insert", "delete", "unsynchronised"];

/** A leap code 0–3 as its name; any other value is a malformed reply (`where` names the field). */
export function leapStatusFromCode(code: number, where: string): LeapStatus {
  const leap = LEAP_STATUSES[code];
  if (leap === undefined) throw new CmdmonError("malformed", `${where} has leap status ${code}; chrony uses 0 to 3`);
  return leap;
}

/** chrony's 10 NTP test bits, test1 in bit 9 down to testD in bit 0; 1 = passed. */
export function ntpTestsFromBits(bits: number): NtpTests {
  const bit = (n: number): boolean => ((bits >>> n) & 1) === 1;
  return {
    test1: bit(9),
    test2: bit(8),
    test3: bit(7),
    test5: bit(6),
    test6: bit(5),
    test7: bit(4),
    testA: bit(3),
    testB: bit(2),
    testC: bit(1),
    testD: bit(0),
  };
}

/** SELECT_DATA's option bits: 0x1 noselect, 0x2 prefer, 0x4 trust, 0x8 require. */
export function selectOptionsFromBits(bits: number): SelectOptions {
  return {
    noselect: (bits & 0x1) !== 0,
    prefer: (bits & 0x2) !== 0,
    trust: (bits & 0x4) !== 0,
    require: (bits & 0x8) !== 0,
  };
}

// ---- headers

/** Per-try request header fields: chronyc draws a new random sequence and counts `attempt` up on every resend. */
export interface RequestEnvelope {
  /** Any u32; chronyd echoes it in the reply. */
  readonly sequence: number;
  /** @default 0 */
  readonly attempt?: number;
}

/** What a reply must echo and how long it may be: the request it answers. */
export interface ReplyExpectation {
  /** For messages, e.g. `TRACKING`. */
  readonly name: string;
  /** The request's command code, which the reply echoes. */
  readonly command: number;
  /** The reply code a successful answer carries. */
  readonly reply: number;
  /** The length of the request sent, which chronyd never exceeds in its reply. */
  readonly requestLength: number;
}

/** A zero-filled request of `length` bytes with its header written; the body starts at offset 20. */
export function buildRequest(command: number, length: number, envelope: RequestEnvelope): Buffer {
  if (length < REQUEST_HEADER_LENGTH || length > MAX_REQUEST_LENGTH) {
    throw new RangeError(`a request is ${REQUEST_HEADER_LENGTH} to ${MAX_REQUEST_LENGTH} bytes, got ${length}`);
  }
  const bytes = Buffer.alloc(length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  bytes[0] = PROTOCOL_VERSION;
  bytes[1] = PacketType.REQUEST;
  view.setUint16(4, command, false);
  view.setUint16(6, (envelope.attempt ?? 0) & 0xffff, false);
  view.setUint32(8, envelope.sequence >>> 0, false);
  return bytes;
}

/** The sequence a reply echoes, if it is long enough to carry one; lets a client route replies. */
export function replySequence(bytes: Uint8Array): number | undefined {
  if (bytes.length < REPLY_HEADER_LENGTH) return undefined;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(16, false);
}

/**
 * Why this datagram is not a reply to the request at all, or undefined if it is one. These are the
 * checks after which chronyc ignores a datagram and keeps waiting (length, version, type, reserved
 * bytes, echoed command and sequence), plus one chronyc lacks: no reply is longer than its request.
 */
export function replyFramingProblem(bytes: Uint8Array, expected: ReplyExpectation, sequence: number): CmdmonError | undefined {
  const { name } = expected;
  if (bytes.length < REPLY_HEADER_LENGTH) {
    return new CmdmonError("truncated", `${name} reply is ${bytes.length} bytes, shorter than the ${REPLY_HEADER_LENGTH}-byte reply header`);
  }
  if (bytes.length > expected.requestLength) {
    return new CmdmonError(
      "oversized",
      `${name} reply is ${bytes.length} bytes, longer than the ${expected.requestLength}-byte request: chronyd never sends that, so it is not a chronyd reply`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[0];
  const status = view.getUint16(8, false);
  // A chronyd of another version still says so in a reply of its own version with BADPKTVERSION.
  if (version !== PROTOCOL_VERSION && !(version >= 5 && status === Status.BADPKTVERSION)) {
    return new CmdmonError(
      "version",
      `chronyd answered ${name} with protocol version ${version}; this client speaks version ${PROTOCOL_VERSION} (chrony 2.2 to 4.x): check the chronyd version on that host`,
      status,
    );
  }
  if (bytes[1] !== PacketType.REPLY || bytes[2] !== 0 || bytes[3] !== 0) {
    return new CmdmonError(
      "malformed",
      `${name} reply has packet type ${bytes[1]} and reserved bytes ${bytes[2]},${bytes[3]}; expected type ${PacketType.REPLY} and zeros`,
    );
  }
  const echoedCommand = view.getUint16(4, false);
  if (echoedCommand !== expected.command) {
    return new CmdmonError("mismatch", `reply echoes ${commandName(echoedCommand)}, expected ${name}`);
  }
  const echoedSequence = view.getUint32(16, false);
  if (echoedSequence !== sequence >>> 0) {
    return new CmdmonError("mismatch", `${name} reply has sequence ${echoedSequence}, expected ${sequence >>> 0}`);
  }
  const reply = view.getUint16(6, false);
  const needed = replyLength(reply);
  if (bytes.length < needed) {
    return new CmdmonError("truncated", `${name} reply with code ${reply} is ${bytes.length} bytes; that code needs ${needed}`);
  }
  return undefined;
}

/**
 * Checks a reply as chronyc does (framing, then status, then the reply code) and returns a view of
 * it. Every body field of the expected reply code lies within the length checked here.
 */
export function openReply(bytes: Uint8Array, expected: ReplyExpectation, sequence: number): DataView {
  const problem = replyFramingProblem(bytes, expected, sequence);
  if (problem) throw problem;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const status = view.getUint16(8, false);
  const { name } = expected;
  if (status === Status.BADPKTVERSION) {
    throw new CmdmonError(
      "version",
      `chronyd answered ${name} with protocol version ${bytes[0]} and status BADPKTVERSION; this client speaks version ${PROTOCOL_VERSION} (chrony 2.2 to 4.x): check the chronyd version on that host`,
      status,
    );
  }
  if (!isSuccessStatus(status)) throw statusError(name, status);
  const reply = view.getUint16(6, false);
  if (reply !== expected.reply) {
    throw new CmdmonError("unexpected-reply", `${name} got reply code ${reply}, expected ${expected.reply}`);
  }
  return view;
}

function statusError(name: string, status: number): CmdmonError {
  if (status === Status.UNAUTH) {
    return new CmdmonError(
      "unauthorised",
      `chronyd refused ${name} (status UNAUTH): this command is only served on chronyd's Unix socket (run chronyc on the host, e.g. over SSH)`,
      status,
    );
  }
  if (status === Status.NOSUCHSOURCE) {
    return new CmdmonError("no-such-source", `chronyd answered ${name} with NOSUCHSOURCE: no source has that index or address`, status);
  }
  return new CmdmonError("status", `chronyd answered ${name} with status ${status} ${describeStatus(status)}`, status);
}
