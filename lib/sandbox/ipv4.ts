import { isIPv4 } from "node:net";

// node:net decides what is an IPv4 address (dotted quad, no leading zeros); the sandbox only needs
// the arithmetic to lay hosts out on consecutive addresses.

/** An IPv4 address as an unsigned 32-bit number, or undefined when `text` is not one. */
export function parseIpv4(text: string): number | undefined {
  if (!isIPv4(text)) return undefined;
  return text.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

export function isLoopbackIpv4(value: number): boolean {
  return value >>> 24 === 127;
}
