import { ArgsCheck } from "../arg-checks";
import { Directive, formatToken } from "../directive";
import { TokenCheck, decimal, hostOrAddress, integer, isProblem, keyId, oneOf } from "../tokens";
import { isAtLeast } from "../version";

/** The directives that name a time source over NTP. */
export const SOURCE_KINDS = ["server", "pool", "peer"] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/**
 * Options of a server, pool or peer line, named as in chrony.conf(5) with units in the name.
 * Poll values are powers of 2 in seconds, as in chrony.
 */
export interface NtpSourceOptions {
  /** `iburst`: start with a burst of requests for a fast first update (server and pool only). @default false */
  readonly iburst?: boolean;
  /** `burst`: send a burst when a measurement is poor (server and pool only). @default false */
  readonly burst?: boolean;
  /** `minpoll`: minimum polling interval, log2 seconds (-7..24). @default 6 (64 s) */
  readonly minPoll?: number;
  /** `maxpoll`: maximum polling interval, log2 seconds (-7..24). @default 10 (1024 s) */
  readonly maxPoll?: number;
  /** `key`: symmetric key ID (1..2^32-1) that authenticates this source. @default - no key */
  readonly keyId?: number;
  /** `nts`: authenticate with Network Time Security (server and pool only). @default false */
  readonly nts?: boolean;
  /** `ntsport`: the NTS-KE port of the server. @default 4460 */
  readonly ntsPort?: number;
  /** `certset`: set of trusted certificates for NTS. @default 0 (system CAs and ntstrustedcerts without a set) */
  readonly certSet?: number;
  /** `port`: NTP port of the source. @default 123 */
  readonly port?: number;
  /** `maxdelay`: reject measurements with a round-trip delay above this. @default 3 */
  readonly maxDelaySeconds?: number;
  /** `maxdelayratio`. @default - test disabled */
  readonly maxDelayRatio?: number;
  /** `maxdelaydevratio`. @default 10 */
  readonly maxDelayDevRatio?: number;
  /** `maxdelayquant`: accept only delays below this quantile (0.05..0.95; chrony ≥ 4.3). @default - test disabled */
  readonly maxDelayQuantile?: number;
  /** `mindelay`. @default - minimum of the measurements */
  readonly minDelaySeconds?: number;
  /** `asymmetry`: -0.5..0.5. @default 1 (estimated) */
  readonly asymmetry?: number;
  /** `offset`: correction added to the source's measurements. @default 0 */
  readonly offsetSeconds?: number;
  /** `minsamples`. @default - the minsamples directive */
  readonly minSamples?: number;
  /** `maxsamples`. @default - the maxsamples directive */
  readonly maxSamples?: number;
  /** `filter`: median filter over this many polls. @default - no filter */
  readonly filterPolls?: number;
  /** `polltarget`. @default 8 */
  readonly pollTarget?: number;
  /** `presend`: log2 seconds (server and pool only). @default 0 */
  readonly presend?: number;
  /** `minstratum`. @default 0 */
  readonly minStratum?: number;
  /** `version`: NTP version of the requests (1..4). @default 4 */
  readonly ntpVersion?: number;
  /** `prefer`. @default false */
  readonly prefer?: boolean;
  /** `noselect`. @default false */
  readonly noselect?: boolean;
  /** `trust`. @default false */
  readonly trust?: boolean;
  /** `require`. @default false */
  readonly require?: boolean;
  /** `xleave`: interleaved mode. @default false */
  readonly xleave?: boolean;
  /** `offline`: start offline. @default false */
  readonly offline?: boolean;
  /** `auto_offline`. @default false */
  readonly autoOffline?: boolean;
  /** `copy`: copy the server's reference ID and stratum (server and pool only; chrony ≥ 4.1). @default false */
  readonly copy?: boolean;
  /** `extfield`: add the experimental NTPv4 extension field F323 (chrony ≥ 4.2). @default - none */
  readonly extField?: "F323";
  /** `ipv4`: use only IPv4 addresses of a name (chrony ≥ 4.6). @default false */
  readonly ipv4?: boolean;
  /** `ipv6`: use only IPv6 addresses of a name (chrony ≥ 4.6). @default false */
  readonly ipv6?: boolean;
  /** `maxunreach`: polls without a reply before a pool address is replaced (chrony ≥ 4.8). @default 100000 */
  readonly maxUnreach?: number;
}

export interface PoolOptions extends NtpSourceOptions {
  /** `maxsources`: how many of the pool's addresses to use (1..16). @default 4 */
  readonly maxSources?: number;
}

/** One option of server/pool/peer lines: its word, its typed prop, its grammar and the release that added it. */
export interface SourceOptionSpec {
  readonly word: string;
  readonly prop: keyof PoolOptions;
  /** Absent for flags such as `iburst`. */
  readonly value?: TokenCheck<unknown>;
  readonly since: string;
  /** Kinds the option is documented as invalid for, and why (for the error message). */
  readonly notFor?: readonly SourceKind[];
  readonly notForReason?: string;
}

const POLL = integer(-7, 24);
const PEER_NO = "a symmetric peer does not use it (chrony.conf(5), peer directive)";
const NTS_NO = "NTS works only in client/server mode";

/**
 * The one table of source options. Rendering writes them in this order (flags first, then valued
 * options), so one changed option changes one token; validation and the importer read the same rows.
 */
export const SOURCE_OPTION_TABLE: readonly SourceOptionSpec[] = [
  { word: "iburst", prop: "iburst", since: "1.31", notFor: ["peer"], notForReason: PEER_NO },
  { word: "burst", prop: "burst", since: "3.3", notFor: ["peer"], notForReason: PEER_NO },
  { word: "nts", prop: "nts", since: "4.0", notFor: ["peer"], notForReason: NTS_NO },
  { word: "prefer", prop: "prefer", since: "1.31" },
  { word: "noselect", prop: "noselect", since: "1.31" },
  { word: "trust", prop: "trust", since: "2.3" },
  { word: "require", prop: "require", since: "2.3" },
  { word: "xleave", prop: "xleave", since: "3.0" },
  { word: "offline", prop: "offline", since: "1.31" },
  { word: "auto_offline", prop: "autoOffline", since: "1.31" },
  { word: "copy", prop: "copy", since: "4.1", notFor: ["peer"], notForReason: PEER_NO },
  { word: "ipv4", prop: "ipv4", since: "4.6" },
  { word: "ipv6", prop: "ipv6", since: "4.6" },
  { word: "minpoll", prop: "minPoll", value: POLL, since: "1.31" },
  { word: "maxpoll", prop: "maxPoll", value: POLL, since: "1.31" },
  { word: "key", prop: "keyId", value: keyId, since: "1.31" },
  { word: "ntsport", prop: "ntsPort", value: integer(1, 65535), since: "4.0", notFor: ["peer"], notForReason: NTS_NO },
  { word: "certset", prop: "certSet", value: integer(0, 2 ** 32 - 1), since: "4.1" },
  { word: "port", prop: "port", value: integer(1, 65535), since: "1.31" },
  { word: "maxdelay", prop: "maxDelaySeconds", value: decimal(0, 1000), since: "1.31" },
  { word: "maxdelayratio", prop: "maxDelayRatio", value: decimal(1), since: "1.31" },
  { word: "maxdelaydevratio", prop: "maxDelayDevRatio", value: decimal(0), since: "1.31" },
  { word: "maxdelayquant", prop: "maxDelayQuantile", value: decimal(0.05, 0.95), since: "4.3" },
  { word: "mindelay", prop: "minDelaySeconds", value: decimal(0), since: "3.2" },
  { word: "asymmetry", prop: "asymmetry", value: decimal(-0.5, 0.5), since: "3.2" },
  { word: "offset", prop: "offsetSeconds", value: decimal(), since: "3.0" },
  { word: "minsamples", prop: "minSamples", value: integer(0, 64), since: "2.0" },
  { word: "maxsamples", prop: "maxSamples", value: integer(0, 64), since: "2.0" },
  { word: "filter", prop: "filterPolls", value: integer(1, 256), since: "3.4" },
  { word: "polltarget", prop: "pollTarget", value: integer(6, 60), since: "1.31" },
  { word: "presend", prop: "presend", value: POLL, since: "1.31", notFor: ["peer"], notForReason: PEER_NO },
  { word: "minstratum", prop: "minStratum", value: integer(0, 15), since: "1.31" },
  { word: "version", prop: "ntpVersion", value: integer(1, 4), since: "1.31" },
  {
    word: "maxsources",
    prop: "maxSources",
    value: integer(1, 16),
    since: "2.0",
    notFor: ["server", "peer"],
    notForReason: "it selects how many addresses of a pool to use",
  },
  { word: "extfield", prop: "extField", value: oneOf(["F323"]), since: "4.2" },
  { word: "maxunreach", prop: "maxUnreach", value: integer(0, 2 ** 31 - 1), since: "4.8" },
];

/** Every prop of PoolOptions has exactly one row: the compiler checks this mapping is total. */
const OPTION_BY_PROP: { readonly [P in keyof Required<PoolOptions>]: SourceOptionSpec } = Object.fromEntries(
  SOURCE_OPTION_TABLE.map((spec) => [spec.prop, spec]),
) as { [P in keyof Required<PoolOptions>]: SourceOptionSpec };

/** Rows by chrony word (lower case), for validation and import. */
export const SOURCE_OPTIONS: ReadonlyMap<string, SourceOptionSpec> = new Map(SOURCE_OPTION_TABLE.map((s) => [s.word, s]));

const ORDER = new Map(SOURCE_OPTION_TABLE.map((s, i) => [s.prop as string, i]));

/** `server HOST iburst key 10 ...`: options in the table's order. */
export function sourceDirective(kind: SourceKind, address: string, options: PoolOptions = {}): Directive {
  // Walks the few props that are set rather than the whole table: this runs for every source of
  // every host at synth.
  const present: Array<{ order: number; tokens: string[] }> = [];
  for (const prop of Object.keys(options)) {
    const spec = OPTION_BY_PROP[prop as keyof PoolOptions];
    const value = (options as Record<string, unknown>)[prop];
    if (!spec || value === undefined || value === false) continue;
    const order = ORDER.get(prop)!;
    if (!spec.value) {
      if (value === true) present.push({ order, tokens: [spec.word] });
    } else {
      present.push({ order, tokens: [spec.word, formatToken(value as string | number)] });
    }
  }
  present.sort((a, b) => a.order - b.order);
  const args = [address];
  for (const p of present) args.push(...p.tokens);
  return { name: kind, args };
}

/** Checks `server|pool|peer HOST [option [value]]...` against the options the host's version has. */
export function sourceCheck(kind: SourceKind): ArgsCheck {
  return (args, version) => {
    if (args.length === 0) return `needs the ${kind === "pool" ? "pool name" : "server address"}`;
    const host = hostOrAddress(args[0]);
    if (isProblem(host)) return `address must be ${host.expected}, got '${args[0]}'`;
    const seen = new Set<string>();
    for (let i = 1; i < args.length; i++) {
      const word = args[i].toLowerCase();
      const spec = SOURCE_OPTIONS.get(word);
      if (!spec) return `unknown option '${args[i]}'`;
      if (!isAtLeast(version, spec.since)) {
        return `option ${spec.word} needs chrony ${spec.since} or newer (this host runs ${version.text})`;
      }
      if (spec.notFor?.includes(kind)) return `option ${spec.word} is not valid for ${kind}: ${spec.notForReason}`;
      if (seen.has(word) && word !== "extfield") return `option ${spec.word} is given twice`;
      seen.add(word);
      if (spec.value) {
        const value = args[i + 1];
        if (value === undefined) return `option ${spec.word} needs a value`;
        const result = spec.value(value);
        if (isProblem(result)) return `option ${spec.word} must be ${result.expected}, got '${value}'`;
        i++;
      }
    }
    return undefined;
  };
}

/** The key ID a source line authenticates with, if any. */
export function sourceKeyId(d: Directive): number | undefined {
  const i = d.args.findIndex((a, idx) => idx > 0 && a.toLowerCase() === "key");
  return i > 0 && d.args[i + 1] !== undefined ? Number(d.args[i + 1]) : undefined;
}
