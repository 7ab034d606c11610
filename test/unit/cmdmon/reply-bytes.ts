// Builds reply datagrams for the codec tests from hex, field by field, so every byte is visible.

export const SEQUENCE = 0x01020304;

export const zeros = (bytes: number): string => "00".repeat(bytes);

const u16 = (n: number): string => n.toString(16).padStart(4, "0");
const u32 = (n: number): string => (n >>> 0).toString(16).padStart(8, "0");

export interface HeaderFields {
  readonly command: number;
  readonly reply: number;
  readonly status?: number;
  readonly sequence?: number;
  readonly version?: number;
  readonly pktType?: number;
}

/** The 28-byte reply header: version, type 2, res 0 0, command, reply, status, pad×3, sequence, pad×2. */
export function header(h: HeaderFields): string {
  const version = (h.version ?? 6).toString(16).padStart(2, "0");
  const pktType = (h.pktType ?? 2).toString(16).padStart(2, "0");
  return version + pktType + "0000" + u16(h.command) + u16(h.reply) + u16(h.status ?? 0) + zeros(6) + u32(h.sequence ?? SEQUENCE) + zeros(8);
}

/** An IPAddr block: 16 address bytes (hex), u16 family, u16 pad. */
export function ipBlock(addressHex: string, family: number): string {
  return addressHex.padEnd(32, "0") + u16(family) + "0000";
}

export function bytes(...hexParts: string[]): Buffer {
  const text = hexParts.join("");
  if (!/^([0-9a-f]{2})*$/.test(text)) throw new Error(`bad hex in test data: ${text}`);
  return Buffer.from(text, "hex");
}

export { u16, u32 };
