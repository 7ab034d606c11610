import { UserError } from "../errors";
import { parseIpAddr } from "./ip-addr";

/** Where a chronyd answers command-protocol requests. */
export interface Endpoint {
  /** An IPv4 address, an IPv6 address without brackets, or a hostname. */
  readonly host: string;
  /** @default 323 */
  readonly port?: number;
}

export const DEFAULT_CMDPORT = 323;

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;

/** `host:port`, with brackets around an IPv6 address as in URLs: `[::1]:323`. */
export function formatEndpoint(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Reads `HOST[:PORT]` as users type it: `127.0.0.1`, `127.0.0.1:11323`, `::1`, `[::1]`, `[::1]:11323`,
 * `ntp1.example.com`. Throws UserError naming the bad part.
 */
export function parseEndpoint(text: string, defaultPort = DEFAULT_CMDPORT): Required<Endpoint> {
  const usage = "use HOST[:PORT], e.g. 192.0.2.10, 192.0.2.10:323, [2001:db8::1]:323 or ntp1.example.com";
  let host: string;
  let portText: string | undefined;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) throw new UserError(`missing ']' in '${text}': ${usage}`);
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) throw new UserError(`unexpected '${rest}' after ']' in '${text}': ${usage}`);
      portText = rest.slice(1);
    }
    if (parseIpAddr(host)?.family !== 2) throw new UserError(`'${host}' in '${text}' is not an IPv6 address: ${usage}`);
  } else if (text.indexOf(":") !== text.lastIndexOf(":")) {
    // Two or more colons without brackets can only be a bare IPv6 address, which has no port.
    host = text;
    if (parseIpAddr(host)?.family !== 2) {
      throw new UserError(`'${text}' is not an IPv6 address (put an IPv6 address with a port in brackets, e.g. [::1]:323): ${usage}`);
    }
  } else {
    const colon = text.indexOf(":");
    host = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
    if (host === "") throw new UserError(`no host in '${text}': ${usage}`);
    if (!HOSTNAME.test(host)) throw new UserError(`'${host}' in '${text}' is neither an address nor a hostname: ${usage}`);
    if (/^[\d.]+$/.test(host) && parseIpAddr(host) === undefined) {
      throw new UserError(`'${host}' in '${text}' is not a valid IPv4 address: ${usage}`);
    }
  }
  if (portText === undefined) return { host, port: defaultPort };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw new UserError(`invalid port '${portText}' in '${text}': the port must be a number from 1 to 65535 (chronyd's cmdport, 323 by default)`);
  }
  return { host, port: Number(portText) };
}
