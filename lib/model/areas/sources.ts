import { Directive, formatToken } from "../directive";

/** Options of a server, pool or peer line. Poll values are powers of 2 in seconds, as in chrony. */
export interface NtpSourceOptions {
  /** Start with a burst of requests for a fast first update (server and pool only). @default false */
  readonly iburst?: boolean;
  /** Send a burst when a measurement is poor (server and pool only). @default false */
  readonly burst?: boolean;
  /** Minimum polling interval, log2 seconds (-7..24). @default 6 (64 s) */
  readonly minPoll?: number;
  /** Maximum polling interval, log2 seconds (-7..24). @default 10 (1024 s) */
  readonly maxPoll?: number;
  /** Symmetric key ID (1..2^32-1) used to authenticate this source. @default - no key */
  readonly keyId?: number;
  /** Authenticate with Network Time Security (server and pool only). @default false */
  readonly nts?: boolean;
  /** NTS-KE port. @default 4460 */
  readonly ntsPort?: number;
  /** Set of trusted certificates for NTS. @default 0 (system CAs) */
  readonly certSet?: number;
  /** NTP port of the source. @default 123 */
  readonly port?: number;
  /** Reject measurements with a round-trip delay above this. @default 3 */
  readonly maxDelaySeconds?: number;
  /** @default - test disabled */
  readonly maxDelayRatio?: number;
  /** @default 10 */
  readonly maxDelayDevRatio?: number;
  /** Accept only delays below this quantile (0.05..0.95; chrony ≥ 4.3). @default - test disabled */
  readonly maxDelayQuantile?: number;
  /** @default - minimum of the measurements */
  readonly minDelaySeconds?: number;
  /** -0.5..0.5. @default 1 (estimated) */
  readonly asymmetry?: number;
  /** @default 0 */
  readonly offsetSeconds?: number;
  /** @default - the minsamples directive */
  readonly minSamples?: number;
  /** @default - the maxsamples directive */
  readonly maxSamples?: number;
  /** Median filter over this many polls. @default - no filter */
  readonly filterPolls?: number;
  /** @default 8 */
  readonly pollTarget?: number;
  /** log2 seconds (server and pool only). @default 0 */
  readonly presend?: number;
  /** @default 0 */
  readonly minStratum?: number;
  /** NTP version of the requests (1..4). @default 4 */
  readonly ntpVersion?: number;
  readonly prefer?: boolean;
  readonly noselect?: boolean;
  readonly trust?: boolean;
  readonly require?: boolean;
  /** Interleaved mode. @default false */
  readonly xleave?: boolean;
  /** Start offline. @default false */
  readonly offline?: boolean;
  /** @default false */
  readonly autoOffline?: boolean;
  /** Copy the server's reference ID and stratum (server and pool only; chrony ≥ 4.1). @default false */
  readonly copy?: boolean;
  /** Enable the experimental NTPv4 extension field F323 (chrony ≥ 4.2). @default false */
  readonly extField?: "F323";
}

export interface PoolOptions extends NtpSourceOptions {
  /** How many of the pool's addresses to use (1..16). @default 4 */
  readonly maxSources?: number;
}

export type SourceKind = "server" | "pool" | "peer";

// The order options are written in: stable, so one changed option changes one token.
const VALUE_OPTIONS: ReadonlyArray<readonly [keyof PoolOptions, string]> = [
  ["minPoll", "minpoll"],
  ["maxPoll", "maxpoll"],
  ["keyId", "key"],
  ["ntsPort", "ntsport"],
  ["certSet", "certset"],
  ["port", "port"],
  ["maxDelaySeconds", "maxdelay"],
  ["maxDelayRatio", "maxdelayratio"],
  ["maxDelayDevRatio", "maxdelaydevratio"],
  ["maxDelayQuantile", "maxdelayquant"],
  ["minDelaySeconds", "mindelay"],
  ["asymmetry", "asymmetry"],
  ["offsetSeconds", "offset"],
  ["minSamples", "minsamples"],
  ["maxSamples", "maxsamples"],
  ["filterPolls", "filter"],
  ["pollTarget", "polltarget"],
  ["presend", "presend"],
  ["minStratum", "minstratum"],
  ["ntpVersion", "version"],
  ["maxSources", "maxsources"],
  ["extField", "extfield"],
];

const FLAG_OPTIONS: ReadonlyArray<readonly [keyof PoolOptions, string]> = [
  ["iburst", "iburst"],
  ["burst", "burst"],
  ["nts", "nts"],
  ["prefer", "prefer"],
  ["noselect", "noselect"],
  ["trust", "trust"],
  ["require", "require"],
  ["xleave", "xleave"],
  ["offline", "offline"],
  ["autoOffline", "auto_offline"],
  ["copy", "copy"],
];

// Each known prop with its word and its place on the line (flags first, then valued options).
interface WordSpec {
  readonly word: string;
  readonly order: number;
  readonly flag: boolean;
}
const WORDS = new Map<string, WordSpec>([
  ...FLAG_OPTIONS.map(([prop, word], i): [string, WordSpec] => [prop, { word, order: i, flag: true }]),
  ...VALUE_OPTIONS.map(([prop, word], i): [string, WordSpec] => [prop, { word, order: FLAG_OPTIONS.length + i, flag: false }]),
]);

/** `server HOST iburst key 10 ...`: flags first, then valued options, in a fixed order. */
export function sourceDirective(kind: SourceKind, address: string, options: PoolOptions = {}): Directive {
  // Walks the few props that are set rather than every known option: this runs for every source
  // of every host at synth.
  const present: Array<{ order: number; tokens: string[] }> = [];
  for (const prop of Object.keys(options)) {
    const spec = WORDS.get(prop);
    const value = (options as Record<string, unknown>)[prop];
    if (!spec || value === undefined || value === false) continue;
    if (spec.flag) {
      if (value === true) present.push({ order: spec.order, tokens: [spec.word] });
    } else {
      present.push({ order: spec.order, tokens: [spec.word, formatToken(value as string | number)] });
    }
  }
  present.sort((a, b) => a.order - b.order);
  const args = [address];
  for (const p of present) args.push(...p.tokens);
  return { name: kind, args };
}

/** The key ID a source line authenticates with, if any. */
export function sourceKeyId(d: Directive): number | undefined {
  const i = d.args.findIndex((a, idx) => idx > 0 && a.toLowerCase() === "key");
  return i > 0 && d.args[i + 1] !== undefined ? Number(d.args[i + 1]) : undefined;
}
