import { directive } from "../directive";
import { OptionField, PropRow, customRow, numberRow, readOptions, renderOptions } from "../prop-rows";
import { TokenProblem, decimal, integer, oneOf } from "../tokens";

/** A hardware reference clock (`refclock`), with its options as chrony.conf(5) names them. */
export interface Refclock {
  /** The driver (case-sensitive, as chronyd compares it): PPS, SHM, SOCK, PHC, or RTC (chrony ≥ 4.7). */
  readonly driver: "PPS" | "SHM" | "SOCK" | "PHC" | "RTC";
  /** The driver's parameter with its `:options`, e.g. "/dev/pps0", "0", "/dev/ptp0:nocrossts". */
  readonly parameter: string;
  /** `refid`: the reference ID (up to 4 characters). @default - from the driver and the parameter */
  readonly refId?: string;
  /** `lock`: lock PPS samples to the refclock with this refid. @default - none */
  readonly lock?: string;
  /** `poll`: log2 seconds between samples passed to the source selection. @default 4 */
  readonly poll?: number;
  /** `dpoll`: log2 seconds between reads of the driver. @default 0 */
  readonly dpoll?: number;
  /** `filter`: samples in the median filter. @default 64 */
  readonly filterSamples?: number;
  /** `rate`: pulses per second of a PPS signal. @default 1 */
  readonly ppsRate?: number;
  /** `maxlockage`: the oldest companion sample a locked PPS refclock uses, in pulses. @default 2 */
  readonly maxLockAge?: number;
  /** `offset`: correction added to the samples. @default 0 */
  readonly offsetSeconds?: number;
  /** `delay`: the assumed round-trip delay. @default 1e-9 */
  readonly delaySeconds?: number;
  /** `precision`: the precision of the samples. @default - from the driver */
  readonly precisionSeconds?: number;
  /** `maxdispersion`: drop samples with a larger dispersion. @default - no limit */
  readonly maxDispersionSeconds?: number;
  /** `width`: the width of a PPS pulse (to detect the wrong edge). @default 0 */
  readonly widthSeconds?: number;
  /** `stratum`: the stratum of the refclock (0..15). @default 0 */
  readonly stratum?: number;
  /** `minsamples`: the fewest samples kept. @default - the minsamples directive */
  readonly minSamples?: number;
  /** `maxsamples`: the most samples kept. @default - the maxsamples directive */
  readonly maxSamples?: number;
  /** `maxunreach`: polls without a sample before the refclock is unreachable (chrony ≥ 4.8). @default 100000 */
  readonly maxUnreach?: number;
  /** `pps`: treat the driver's samples as pulses. @default false */
  readonly pps?: boolean;
  /** `local`: a free-running local clock, not synchronised to true time (chrony ≥ 4.3). @default false */
  readonly local?: boolean;
  /** `tai`: the refclock keeps TAI, not UTC. @default false */
  readonly tai?: boolean;
  /** `prefer`. @default false */
  readonly prefer?: boolean;
  /** `noselect`. @default false */
  readonly noselect?: boolean;
  /** `trust`. @default false */
  readonly trust?: boolean;
  /** `require`. @default false */
  readonly require?: boolean;
}

/** `hwtimestamp`: hardware timestamping on an interface. */
export interface HardwareTimestamping {
  /** The interface name, or "*" for all that support it. */
  readonly interface: string;
  /** `minpoll`: log2 seconds between readings of the NIC clock. @default 0 */
  readonly minPoll?: number;
  /** `maxpoll`: the longest such interval (chrony ≥ 4.4). @default minPoll + 1 */
  readonly maxPoll?: number;
  /** `minsamples`: the fewest readings kept. @default 2 */
  readonly minSamples?: number;
  /** `maxsamples`: the most readings kept. @default 16 */
  readonly maxSamples?: number;
  /** `precision`: the precision of the NIC clock. @default 100e-9 */
  readonly precisionSeconds?: number;
  /** `txcomp`: correction of transmit timestamps. @default 0 */
  readonly txCompSeconds?: number;
  /** `rxcomp`: correction of receive timestamps. @default 0 */
  readonly rxCompSeconds?: number;
  /** `rxfilter`: which received packets get timestamps. @default - any the NIC offers */
  readonly rxFilter?: "all" | "ntp" | "ptp" | "none";
  /** `nocrossts`: do not use cross timestamping. @default false */
  readonly noCrossTs?: boolean;
}

/** Reference clocks and hardware timestamping. */
export interface RefclockProps {
  /** `refclock`: hardware reference clocks. @default - none */
  readonly refclocks?: readonly Refclock[];
  /** `hwtimestamp`: interfaces with hardware timestamping. @default - none */
  readonly hwTimestamping?: readonly HardwareTimestamping[];
  /** `hwtstimeout`: how long to wait for a transmit timestamp (chrony ≥ 4.4). @default 0.001 */
  readonly hwTimestampTimeoutSeconds?: number;
}

const POLL = integer(-6, 24);
const SAMPLES = integer(0, 64);
const refid = (what: string) => (t: string) => (/^[\x21-\x7e]{1,4}$/.test(t) ? t : new TokenProblem(what));

/** The one table of refclock options: word, prop, grammar and the release that added it. */
export const REFCLOCK_FIELDS: readonly OptionField[] = [
  { word: "refid", prop: "refId", kind: "word", value: refid("1 to 4 printable ASCII characters") },
  { word: "lock", prop: "lock", kind: "word", value: refid("the refid (1 to 4 characters) of a PPS source's companion") },
  { word: "poll", prop: "poll", kind: "integer", value: POLL },
  { word: "dpoll", prop: "dpoll", kind: "integer", value: POLL },
  { word: "filter", prop: "filterSamples", kind: "integer", value: integer(1, 4096) },
  { word: "rate", prop: "ppsRate", kind: "integer", value: integer(1, 1_000_000) },
  { word: "maxlockage", prop: "maxLockAge", kind: "integer", value: integer(0, 1_000_000) },
  { word: "offset", prop: "offsetSeconds", kind: "number", value: decimal() },
  { word: "delay", prop: "delaySeconds", kind: "number", value: decimal(0) },
  { word: "precision", prop: "precisionSeconds", kind: "number", value: decimal(0) },
  { word: "maxdispersion", prop: "maxDispersionSeconds", kind: "number", value: decimal(0) },
  { word: "width", prop: "widthSeconds", kind: "number", value: decimal(0) },
  { word: "stratum", prop: "stratum", kind: "integer", value: integer(0, 15) },
  { word: "minsamples", prop: "minSamples", kind: "integer", value: SAMPLES },
  { word: "maxsamples", prop: "maxSamples", kind: "integer", value: SAMPLES },
  { word: "maxunreach", prop: "maxUnreach", kind: "integer", value: integer(0, 2 ** 31 - 1), since: "4.8" },
  { word: "pps", prop: "pps", kind: "flag" },
  { word: "local", prop: "local", kind: "flag", since: "4.3" },
  { word: "tai", prop: "tai", kind: "flag" },
  { word: "prefer", prop: "prefer", kind: "flag" },
  { word: "noselect", prop: "noselect", kind: "flag" },
  { word: "trust", prop: "trust", kind: "flag" },
  { word: "require", prop: "require", kind: "flag" },
];

/** The one table of hwtimestamp options. */
export const HWTIMESTAMP_FIELDS: readonly OptionField[] = [
  { word: "minpoll", prop: "minPoll", kind: "integer", value: POLL },
  { word: "maxpoll", prop: "maxPoll", kind: "integer", value: POLL, since: "4.4" },
  { word: "minsamples", prop: "minSamples", kind: "integer", value: SAMPLES },
  { word: "maxsamples", prop: "maxSamples", kind: "integer", value: SAMPLES },
  { word: "precision", prop: "precisionSeconds", kind: "number", value: decimal(0) },
  { word: "txcomp", prop: "txCompSeconds", kind: "number", value: decimal() },
  { word: "rxcomp", prop: "rxCompSeconds", kind: "number", value: decimal() },
  { word: "rxfilter", prop: "rxFilter", kind: "word", value: oneOf(["all", "ntp", "ptp", "none"]) },
  { word: "nocrossts", prop: "noCrossTs", kind: "flag" },
];

export const REFCLOCK_ROWS: readonly PropRow[] = [
  customRow(
    "refclocks",
    ["refclock"],
    (r: Refclock) => [directive("refclock", r.driver, r.parameter, ...renderOptions(r as unknown as Record<string, unknown>, REFCLOCK_FIELDS))],
    (args) => {
      if (args.length < 2) return undefined;
      const options = readOptions(args.slice(2), REFCLOCK_FIELDS);
      return options && { driver: args[0], parameter: args[1], ...options };
    },
    { list: true },
  ),
  customRow(
    "hwTimestamping",
    ["hwtimestamp"],
    (h: HardwareTimestamping) => [
      directive("hwtimestamp", h.interface, ...renderOptions(h as unknown as Record<string, unknown>, HWTIMESTAMP_FIELDS)),
    ],
    (args) => {
      if (args.length < 1) return undefined;
      const options = readOptions(args.slice(1), HWTIMESTAMP_FIELDS);
      if (options?.rxFilter !== undefined) options.rxFilter = String(options.rxFilter).toLowerCase();
      return options && { interface: args[0], ...options };
    },
    { list: true },
  ),
  numberRow("hwTimestampTimeoutSeconds", "hwtstimeout"),
];
