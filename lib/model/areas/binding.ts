import { directive } from "../directive";
import { OptionField, PropRow, customRow, flagRow, numberRow, readInteger, readOptions, renderOptions, wordRow } from "../prop-rows";
import { integer } from "../tokens";

/** Sockets, ports, rate limits and client logging. */
export interface BindingProps {
  /** `port`: the NTP server port; 0 never serves time. @default 123 */
  readonly port?: number;
  /** `bindaddress`: addresses to serve NTP on (one IPv4, one IPv6). @default - all addresses */
  readonly bindAddresses?: readonly string[];
  /** `bindacqaddress`: source addresses for requests to servers (one IPv4, one IPv6). @default - chosen by the kernel */
  readonly bindAcqAddresses?: readonly string[];
  /** `binddevice`: serve NTP only on this network interface. @default - every interface */
  readonly bindDevice?: string;
  /** `bindacqdevice`: send requests to servers only through this interface. @default - chosen by the kernel */
  readonly bindAcqDevice?: string;
  /** `acquisitionport`: the local port of requests to servers. @default - a random port per request */
  readonly acquisitionPort?: number;
  /** `dscp`: the DSCP value of NTP packets (0..63). @default 0 */
  readonly dscp?: number;
  /** `ptpport`: also exchange NTP messages in PTP packets on this port (usually 319). @default - disabled */
  readonly ptpPort?: number;
  /** `ptpdomain`: the PTP domain of NTP-over-PTP packets (0..255; chrony ≥ 4.6). @default 123 */
  readonly ptpDomain?: number;
  /** `cmdport`: the UDP command port; 0 leaves only the Unix socket. @default 323 */
  readonly cmdPort?: number;
  /**
   * `bindcmdaddress`: where chronyd listens for commands: IP addresses (one IPv4, one IPv6) and/or
   * a Unix socket path ("/" disables the socket). A non-loopback address plus `cmdAllow` lets
   * remote monitors query it.
   * @default - 127.0.0.1, ::1 and the profile's Unix socket
   */
  readonly bindCmdAddresses?: readonly string[];
  /** `bindcmddevice`: accept commands only on this interface. @default - every interface */
  readonly bindCmdDevice?: string;
  /** `ratelimit`: limit the response rate to each NTP client. @default - no rate limiting */
  readonly rateLimit?: RateLimit;
  /** `cmdratelimit`: limit the response rate to each command client. @default - no rate limiting */
  readonly cmdRateLimit?: RateLimit;
  /** `clientloglimit`: memory for the client log, in bytes. @default 524288 */
  readonly clientLogLimitBytes?: number;
  /** `noclientlog`: do not log clients (disables ratelimit and `chronyc clients`). @default false */
  readonly noClientLog?: boolean;
  /** `broadcast`: send NTP broadcasts. @default - none */
  readonly broadcasts?: readonly Broadcast[];
  /** `opencommands`: the monitoring commands open to `cmdAllow` hosts (chrony ≥ 4.7). @default - chrony's default set */
  readonly openCommands?: readonly string[];
}

/** Options of `ratelimit`, `cmdratelimit` and `ntsratelimit`. */
export interface RateLimit {
  /** `interval`: minimum interval between responses, log2 seconds (-19..12). @default 3 (ntsratelimit: 6) */
  readonly interval?: number;
  /** `burst`: responses allowed in a burst (1..255). @default 8 */
  readonly burst?: number;
  /** `leak`: log2 of the rate at which suppressed requests are answered anyway (1..4). @default 2 */
  readonly leak?: number;
  /** `kod`: answer rate-limited clients with a Kiss-o'-Death packet, log2 (chrony ≥ 4.6). @default - no KoD */
  readonly kod?: number;
}

export interface Broadcast {
  /** The broadcast interval in seconds. */
  readonly intervalSeconds: number;
  /** The broadcast address, e.g. "192.168.1.255". */
  readonly address: string;
  /** @default 123 */
  readonly port?: number;
}

/** The one table of `ratelimit`, `cmdratelimit` and `ntsratelimit` options. */
export const RATE_LIMIT_FIELDS: readonly OptionField[] = [
  { word: "interval", prop: "interval", kind: "integer", value: integer(-19, 12) },
  { word: "burst", prop: "burst", kind: "integer", value: integer(1, 255) },
  { word: "leak", prop: "leak", kind: "integer", value: integer(1, 4) },
  { word: "kod", prop: "kod", kind: "integer", value: integer(0, 255), since: "4.6" },
];

export function rateLimitRow(prop: string, name: string): PropRow {
  return customRow(
    prop,
    [name],
    (r: RateLimit) => [directive(name, ...renderOptions(r as Record<string, unknown>, RATE_LIMIT_FIELDS))],
    (args) => readOptions(args, RATE_LIMIT_FIELDS),
  );
}

export const BINDING_ROWS: readonly PropRow[] = [
  numberRow("port", "port", { integer: true }),
  wordRow("bindAddresses", "bindaddress", { list: true }),
  wordRow("bindAcqAddresses", "bindacqaddress", { list: true }),
  wordRow("bindDevice", "binddevice"),
  wordRow("bindAcqDevice", "bindacqdevice"),
  numberRow("acquisitionPort", "acquisitionport", { integer: true }),
  numberRow("dscp", "dscp", { integer: true }),
  numberRow("ptpPort", "ptpport", { integer: true }),
  numberRow("ptpDomain", "ptpdomain", { integer: true }),
  numberRow("cmdPort", "cmdport", { integer: true }),
  wordRow("bindCmdAddresses", "bindcmdaddress", { list: true }),
  wordRow("bindCmdDevice", "bindcmddevice"),
  rateLimitRow("rateLimit", "ratelimit"),
  rateLimitRow("cmdRateLimit", "cmdratelimit"),
  numberRow("clientLogLimitBytes", "clientloglimit", { integer: true }),
  flagRow("noClientLog", "noclientlog"),
  customRow(
    "broadcasts",
    ["broadcast"],
    (b: Broadcast) => [
      b.port !== undefined ? directive("broadcast", b.intervalSeconds, b.address, b.port) : directive("broadcast", b.intervalSeconds, b.address),
    ],
    (args) => {
      const intervalSeconds = readInteger(args[0]);
      const port = args.length === 3 ? readInteger(args[2]) : undefined;
      if (intervalSeconds === undefined || args.length < 2 || args.length > 3 || (args.length === 3 && port === undefined)) return undefined;
      return { intervalSeconds, address: args[1], ...(port !== undefined ? { port } : {}) };
    },
    { list: true },
  ),
  customRow(
    "openCommands",
    ["opencommands"],
    (commands: readonly string[]) => [directive("opencommands", ...commands)],
    (args) => [...args],
  ),
];
