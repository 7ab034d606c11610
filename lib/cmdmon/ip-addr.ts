import { refIdToText } from "./refid";

// chrony's IPAddr block: 16 address bytes, u16 family, u16 padding (20 bytes).

export const IP_ADDR_LENGTH = 20;

export const AddressFamily = {
  UNSPEC: 0,
  INET4: 1,
  INET6: 2,
  /** An unresolved source: bytes 0–3 are a big-endian id. */
  ID: 3,
} as const;

/**
 * An address as chronyd sent it. The family is kept as the raw number so that a block read from
 * SOURCE_DATA can be sent back unchanged (NTP_DATA, AUTH_DATA and NTP_SOURCE_NAME want it so).
 */
export interface IpAddr {
  readonly family: number;
  /** Always 16 bytes. */
  readonly bytes: Uint8Array;
}

export function readIpAddr(bytes: Uint8Array, offset: number): IpAddr {
  const family = (bytes[offset + 16] << 8) | bytes[offset + 17];
  return { family, bytes: Uint8Array.from(bytes.subarray(offset, offset + 16)) };
}

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

/** An IPv4 or IPv6 address in text form as an IpAddr block; undefined when the text is neither. */
export function parseIpAddr(text: string): IpAddr | undefined {
  const v4 = parseIpv4(text);
  if (v4) {
    const bytes = new Uint8Array(16);
    bytes.set(v4, 0);
    return { family: AddressFamily.INET4, bytes };
  }
  const v6 = parseIpv6(text);
  return v6 ? { family: AddressFamily.INET6, bytes: v6 } : undefined;
}

/** Like parseIpAddr, and also chronyc's `ID#0000000001` form of an unresolved source. */
export function parseSourceAddress(text: string): IpAddr | undefined {
  const id = /^ID#(\d{10})$/.exec(text);
  if (!id) return parseIpAddr(text);
  const value = Number(id[1]);
  if (value > 0xffffffff) return undefined;
  const bytes = new Uint8Array(16);
  new DataView(bytes.buffer).setUint32(0, value, false);
  return { family: AddressFamily.ID, bytes };
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return undefined;
    const n = Number(parts[i]);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] === "" ? [] : halves[0].split(":");
  const tail = halves.length === 2 ? (halves[1] === "" ? [] : halves[1].split(":")) : [];
  const words: number[] = [];
  const tailWords: number[] = [];
  const groups = halves.length === 2 ? tail : head;
  // A dotted IPv4 tail counts as two words and may only come last.
  const last = groups.length > 0 ? groups[groups.length - 1] : undefined;
  let embedded: Uint8Array | undefined;
  if (last !== undefined && last.includes(".")) {
    embedded = parseIpv4(last);
    if (!embedded) return undefined;
    groups.pop();
  }
  for (const [list, into] of [
    [head, words],
    [tail, tailWords],
  ] as const) {
    for (const group of list) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
      into.push(parseInt(group, 16));
    }
  }
  if (embedded) (halves.length === 2 ? tailWords : words).push((embedded[0] << 8) | embedded[1], (embedded[2] << 8) | embedded[3]);
  const total = words.length + tailWords.length;
  if (halves.length === 2 ? total > 7 : total !== 8) return undefined;
  const all = [...words, ...new Array<number>(8 - total).fill(0), ...tailWords];
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >>> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}
