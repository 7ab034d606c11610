import { Directive, directive } from "../directive";

export interface BindingProps {
  /** Addresses to serve NTP on (one IPv4, one IPv6). @default - all addresses */
  readonly bindAddresses?: readonly string[];
  /** Source addresses for requests to servers. @default - chosen by the kernel */
  readonly bindAcqAddresses?: readonly string[];
  /**
   * Where chronyd listens for commands: IP addresses (one IPv4, one IPv6) and/or a Unix socket path.
   * A non-loopback address plus `cmdAllow` lets remote monitors query it.
   * @default - 127.0.0.1, ::1 and the profile's Unix socket
   */
  readonly bindCmdAddresses?: readonly string[];
  /** NTP server port; 0 never serves time. @default 123 */
  readonly port?: number;
  /** Command port; 0 leaves only the Unix socket. @default 323 */
  readonly cmdPort?: number;
  /** @default - no rate limiting */
  readonly rateLimit?: RateLimit;
  /** @default - chrony's default for commands */
  readonly cmdRateLimit?: RateLimit;
  /** @default - log clients (needed by ratelimit and `chronyc clients`) */
  readonly noClientLog?: boolean;
}

export interface RateLimit {
  /** log2 seconds (-19..12). @default 3 */
  readonly interval?: number;
  /** @default 8 */
  readonly burst?: number;
  /** @default 2 */
  readonly leak?: number;
}

function rateLimitArgs(r: RateLimit): Array<string | number> {
  const args: Array<string | number> = [];
  if (r.interval !== undefined) args.push("interval", r.interval);
  if (r.burst !== undefined) args.push("burst", r.burst);
  if (r.leak !== undefined) args.push("leak", r.leak);
  return args;
}

export function bindingDirectives(props: BindingProps): Directive[] {
  const out: Directive[] = [];
  if (props.port !== undefined) out.push(directive("port", props.port));
  for (const a of props.bindAddresses ?? []) out.push(directive("bindaddress", a));
  for (const a of props.bindAcqAddresses ?? []) out.push(directive("bindacqaddress", a));
  if (props.cmdPort !== undefined) out.push(directive("cmdport", props.cmdPort));
  for (const a of props.bindCmdAddresses ?? []) out.push(directive("bindcmdaddress", a));
  if (props.rateLimit) out.push(directive("ratelimit", ...rateLimitArgs(props.rateLimit)));
  if (props.cmdRateLimit) out.push(directive("cmdratelimit", ...rateLimitArgs(props.cmdRateLimit)));
  if (props.noClientLog) out.push(directive("noclientlog"));
  return out;
}
