import { isIP } from "node:net";

/**
 * Readers for the token types of chrony.conf. Each returns the parsed value, or a string that says
 * what was expected (the caller adds the directive and the received value to the message).
 */
export type TokenCheck<T> = (token: string) => T | TokenProblem;

export class TokenProblem {
  constructor(public readonly expected: string) {}
}

export function isProblem(x: unknown): x is TokenProblem {
  return x instanceof TokenProblem;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function integer(min: number, max: number): TokenCheck<number> {
  return (token) => {
    if (!INTEGER.test(token)) return new TokenProblem(`an integer from ${min} to ${max}`);
    const n = Number(token);
    if (n < min || n > max) return new TokenProblem(`an integer from ${min} to ${max}`);
    return n;
  };
}

export function decimal(min = -Infinity, max = Infinity): TokenCheck<number> {
  const range =
    min === -Infinity && max === Infinity
      ? "a number"
      : max === Infinity
        ? `a number ≥ ${min}`
        : min === -Infinity
          ? `a number ≤ ${max}`
          : `a number from ${min} to ${max}`;
  return (token) => {
    if (!DECIMAL.test(token)) return new TokenProblem(range);
    const n = Number(token);
    if (n < min || n > max) return new TokenProblem(range);
    return n;
  };
}

export function oneOf(words: readonly string[], caseSensitive = false): TokenCheck<string> {
  return (token) => {
    const found = words.find((w) => (caseSensitive ? w === token : w.toLowerCase() === token.toLowerCase()));
    return found ?? new TokenProblem(`one of ${words.join(", ")}`);
  };
}

export const ipAddress: TokenCheck<string> = (token) => (isIP(token) ? token : new TokenProblem("an IPv4 or IPv6 address"));

export const absolutePath: TokenCheck<string> = (token) => (token.startsWith("/") ? token : new TokenProblem("an absolute path"));

export const anyWord: TokenCheck<string> = (token) => token;

/** Key IDs: chronyd reads a u32 and reserves 0 for "no key". */
export const keyId = integer(1, 2 ** 32 - 1);

const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

/** A source's address: an IP address or a DNS name (resolved by chronyd, possibly later). */
export const hostOrAddress: TokenCheck<string> = (token) =>
  isIP(token) || (HOSTNAME.test(token) && !/^[\d.]+$/.test(token)) ? token : new TokenProblem("an IP address or a hostname");

/** Subnets as allow/deny/cmdallow/cmddeny read them (CPS_ParseAllowDeny in chrony). */
export const subnet: TokenCheck<string> = (token) => {
  const slash = token.indexOf("/");
  const net = slash >= 0 ? token.slice(0, slash) : token;
  const bitsText = slash >= 0 ? token.slice(slash + 1) : undefined;
  const expected = "an address, a subnet such as 192.168.1.0/24, 10/8 or 2001:db8::/32, or a hostname (without /bits)";
  let maxBits: number;
  if (isIP(net)) {
    maxBits = isIP(net) === 6 ? 128 : 32;
  } else if (/^\d{1,3}(\.\d{1,3}){0,2}$/.test(net)) {
    if (net.split(".").some((part) => Number(part) > 255)) return new TokenProblem(expected);
    maxBits = 32;
  } else if (bitsText === undefined && HOSTNAME.test(net) && !/^[\d.]+$/.test(net)) {
    return token;
  } else {
    return new TokenProblem(expected);
  }
  if (bitsText !== undefined) {
    if (!/^\d+$/.test(bitsText) || Number(bitsText) > maxBits) {
      return new TokenProblem(`a prefix length from 0 to ${maxBits} after the slash`);
    }
  }
  return token;
};
