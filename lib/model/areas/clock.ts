import { directive } from "../directive";
import { OptionField, PropRow, customRow, flagRow, numberRow, readInteger, readNumber, readOptions, renderOptions, wordRow } from "../prop-rows";
import { decimal, integer } from "../tokens";

export interface MakeStep {
  /** Step the clock when the offset is larger than this. */
  readonly thresholdSeconds: number;
  /** Only in the first this many clock updates; negative means always. */
  readonly limit: number;
}

export interface MaxChange {
  /** The largest offset accepted on a clock update. */
  readonly offsetSeconds: number;
  /** Clock updates before the check starts. */
  readonly start: number;
  /** Larger offsets ignored before chronyd exits; negative ignores them all. */
  readonly ignore: number;
}

export interface LocalReference {
  /** `stratum`: stratum served while no real source is selected (1..15). @default 10 */
  readonly stratum?: number;
  /** `orphan`: ntpd-compatible orphan mode. @default false */
  readonly orphan?: boolean;
  /** `distance`: root distance below which the local reference is not used. @default 1 */
  readonly distanceSeconds?: number;
  /** `activate`: use the local reference only after the root distance once fell below this (chrony ≥ 4.6). @default - immediately */
  readonly activateSeconds?: number;
  /** `waitsynced`: wait this long after synchronisation is lost (chrony ≥ 4.7). @default 0 */
  readonly waitSyncedSeconds?: number;
  /** `waitunsynced`: wait this long after start when never synchronised (chrony ≥ 4.7). @default 300 */
  readonly waitUnsyncedSeconds?: number;
}

export interface DriftFile {
  readonly path: string;
  /** `interval`: how often the drift file is written (chrony ≥ 4.7). @default 3600 */
  readonly intervalSeconds?: number;
}

export interface FallbackDrift {
  /** Log2 seconds since the last update before the first fallback drift is used (e.g. 16 = 18 h). */
  readonly minInterval: number;
  /** Log2 seconds of the last fallback drift (e.g. 19 = 6 days). */
  readonly maxInterval: number;
}

export interface SmoothTime {
  /** Maximum frequency offset of the smoothed time, in ppm. */
  readonly maxFrequencyPpm: number;
  /** Maximum rate of change of that frequency, in ppm per second. */
  readonly maxWanderPpmPerSecond: number;
  /** `leaponly`: smooth only leap seconds. @default false */
  readonly leapOnly?: boolean;
}

export interface InitStepSlew {
  /** Step when the measured error is larger than this, slew otherwise. */
  readonly thresholdSeconds: number;
  /** The servers measured at start. */
  readonly servers: readonly string[];
}

/** `tempcomp`: either coefficients (T0, k0, k1, k2) or a file of (temperature, compensation) points. */
export type TemperatureCompensation =
  | { readonly sensorFile: string; readonly intervalSeconds: number; readonly pointsFile: string }
  | {
      readonly sensorFile: string;
      readonly intervalSeconds: number;
      readonly t0: number;
      readonly k0: number;
      readonly k1: number;
      readonly k2: number;
    };

/** Clock discipline, the RTC, leap seconds, the local reference and manual input. */
export interface ClockProps {
  /** `makestep`: step instead of slewing when the offset is large. @default - the profile's (Debian and RHEL: 1 s in the first 3 updates) */
  readonly makestep?: MakeStep;
  /** `maxupdateskew`: ignore measurements with a skew above this. @default - the profile's (Debian: 100), or 1000 */
  readonly maxUpdateSkewPpm?: number;
  /** `maxchange`: the largest offset accepted on a clock update. @default - no limit */
  readonly maxChange?: MaxChange;
  /** `maxslewrate`: the fastest slew. @default 83333.333 */
  readonly maxSlewRatePpm?: number;
  /** `maxdrift`: the largest frequency correction. @default 500000 */
  readonly maxDriftPpm?: number;
  /** `maxclockerror`: the assumed frequency error of the clock between updates. @default 1 */
  readonly maxClockErrorPpm?: number;
  /** `corrtimeratio`: how much longer a slew may take than the offset it corrects (≥ 1). @default 3 */
  readonly corrTimeRatio?: number;
  /** `clockprecision`: the precision of the system clock. @default - measured */
  readonly clockPrecisionSeconds?: number;
  /** `driftfile`: where the clock's frequency is kept across restarts (a path, or the path and its `interval`). @default - the profile's */
  readonly driftFile?: string | DriftFile;
  /** `fallbackdrift`: long-term drift averages used when updates stop. @default - none */
  readonly fallbackDrift?: FallbackDrift;
  /** `rtcsync`: let the kernel copy the system time to the RTC every 11 minutes; false leaves out the profile's. @default - the profile's (Debian and RHEL: true) */
  readonly rtcsync?: boolean;
  /** `rtcfile`: track the RTC's error in this file instead (replaces the profile's rtcsync). @default - none */
  readonly rtcFile?: string;
  /** `rtcautotrim`: trim the RTC when its error exceeds this (needs rtcfile). @default - disabled */
  readonly rtcAutoTrimSeconds?: number;
  /** `rtconutc`: the RTC keeps UTC. @default false (local time) */
  readonly rtcOnUtc?: boolean;
  /** `rtcdevice`: the RTC device. @default "/dev/rtc" */
  readonly rtcDevice?: string;
  /** `hwclockfile`: read the RTC's time scale (UTC or local) from hwclock's adjtime file. @default - none */
  readonly hwclockFile?: string;
  /** `leapsectz`: a tz zone that lists leap seconds, e.g. "right/UTC". @default - the profile's (Debian and RHEL: right/UTC) */
  readonly leapSecTz?: string;
  /** `leapseclist`: a leap-seconds.list file (chrony ≥ 4.6). @default - none */
  readonly leapSecList?: string;
  /** `leapsecmode`: how a leap second is applied. @default "system" */
  readonly leapSecMode?: "system" | "step" | "slew" | "ignore";
  /** `smoothtime`: serve smoothed time to clients (leap smearing). @default - disabled */
  readonly smoothTime?: SmoothTime;
  /** `local`: serve time from the local clock when unsynchronised. @default - disabled */
  readonly local?: LocalReference;
  /** `manual`: accept `chronyc settime`. @default false */
  readonly manual?: boolean;
  /** `initstepslew`: measure these servers at start and step or slew once (deprecated by chrony: prefer makestep). @default - none */
  readonly initStepSlew?: InitStepSlew;
  /** `tempcomp`: temperature compensation of the clock's frequency. @default - none */
  readonly tempComp?: TemperatureCompensation;
}

/** The one table of `local` options. */
export const LOCAL_FIELDS: readonly OptionField[] = [
  { word: "stratum", prop: "stratum", kind: "integer", value: integer(1, 15) },
  { word: "orphan", prop: "orphan", kind: "flag" },
  { word: "distance", prop: "distanceSeconds", kind: "number", value: decimal(0) },
  { word: "activate", prop: "activateSeconds", kind: "number", value: decimal(0), since: "4.6" },
  { word: "waitsynced", prop: "waitSyncedSeconds", kind: "number", value: decimal(), since: "4.7" },
  { word: "waitunsynced", prop: "waitUnsyncedSeconds", kind: "number", value: decimal(), since: "4.7" },
];

/** Reads `N N...` as numbers, all or nothing. */
function numbers(args: readonly string[], count: number): number[] | undefined {
  if (args.length !== count) return undefined;
  const out = args.map(readNumber);
  return out.every((n): n is number => n !== undefined) ? out : undefined;
}

export const CLOCK_ROWS: readonly PropRow[] = [
  customRow(
    "makestep",
    ["makestep"],
    (m: MakeStep) => [directive("makestep", m.thresholdSeconds, m.limit)],
    (args) => {
      const [threshold] = numbers(args.slice(0, 1), 1) ?? [];
      const limit = readInteger(args[1]);
      return args.length === 2 && threshold !== undefined && limit !== undefined ? { thresholdSeconds: threshold, limit } : undefined;
    },
  ),
  numberRow("maxUpdateSkewPpm", "maxupdateskew"),
  customRow(
    "maxChange",
    ["maxchange"],
    (m: MaxChange) => [directive("maxchange", m.offsetSeconds, m.start, m.ignore)],
    (args) => {
      const offset = readNumber(args[0]);
      const start = readInteger(args[1]);
      const ignore = readInteger(args[2]);
      return args.length === 3 && offset !== undefined && start !== undefined && ignore !== undefined
        ? { offsetSeconds: offset, start, ignore }
        : undefined;
    },
  ),
  numberRow("maxSlewRatePpm", "maxslewrate"),
  numberRow("maxDriftPpm", "maxdrift"),
  numberRow("maxClockErrorPpm", "maxclockerror"),
  numberRow("corrTimeRatio", "corrtimeratio"),
  numberRow("clockPrecisionSeconds", "clockprecision"),
  customRow(
    "driftFile",
    ["driftfile"],
    (d: string | DriftFile) =>
      typeof d === "string"
        ? [directive("driftfile", d)]
        : [d.intervalSeconds !== undefined ? directive("driftfile", d.path, "interval", d.intervalSeconds) : directive("driftfile", d.path)],
    (args) => {
      if (args.length === 1) return args[0];
      const interval = readInteger(args[2]);
      return args.length === 3 && args[1].toLowerCase() === "interval" && interval !== undefined
        ? { path: args[0], intervalSeconds: interval }
        : undefined;
    },
  ),
  customRow(
    "fallbackDrift",
    ["fallbackdrift"],
    (f: FallbackDrift) => [directive("fallbackdrift", f.minInterval, f.maxInterval)],
    (args) => {
      const min = readInteger(args[0]);
      const max = readInteger(args[1]);
      return args.length === 2 && min !== undefined && max !== undefined ? { minInterval: min, maxInterval: max } : undefined;
    },
  ),
  flagRow("rtcsync", "rtcsync"),
  wordRow("rtcFile", "rtcfile"),
  numberRow("rtcAutoTrimSeconds", "rtcautotrim"),
  flagRow("rtcOnUtc", "rtconutc"),
  wordRow("rtcDevice", "rtcdevice"),
  wordRow("hwclockFile", "hwclockfile"),
  wordRow("leapSecTz", "leapsectz"),
  wordRow("leapSecList", "leapseclist"),
  customRow(
    "leapSecMode",
    ["leapsecmode"],
    (mode: string) => [directive("leapsecmode", mode)],
    (args) => (args.length === 1 && ["system", "step", "slew", "ignore"].includes(args[0].toLowerCase()) ? args[0].toLowerCase() : undefined),
  ),
  customRow(
    "smoothTime",
    ["smoothtime"],
    (s: SmoothTime) => [
      s.leapOnly
        ? directive("smoothtime", s.maxFrequencyPpm, s.maxWanderPpmPerSecond, "leaponly")
        : directive("smoothtime", s.maxFrequencyPpm, s.maxWanderPpmPerSecond),
    ],
    (args) => {
      const [freq, wander] = numbers(args.slice(0, 2), 2) ?? [];
      if (freq === undefined || wander === undefined || args.length > 3 || (args.length === 3 && args[2].toLowerCase() !== "leaponly"))
        return undefined;
      return { maxFrequencyPpm: freq, maxWanderPpmPerSecond: wander, ...(args.length === 3 ? { leapOnly: true } : {}) };
    },
  ),
  customRow(
    "local",
    ["local"],
    (l: LocalReference) => [directive("local", ...renderOptions(l as Record<string, unknown>, LOCAL_FIELDS))],
    (args) => readOptions(args, LOCAL_FIELDS),
  ),
  flagRow("manual", "manual"),
  customRow(
    "initStepSlew",
    ["initstepslew"],
    (i: InitStepSlew) => [directive("initstepslew", i.thresholdSeconds, ...i.servers)],
    (args) => {
      const threshold = readNumber(args[0]);
      return threshold === undefined ? undefined : { thresholdSeconds: threshold, servers: args.slice(1) };
    },
  ),
  customRow(
    "tempComp",
    ["tempcomp"],
    (t: TemperatureCompensation) => [
      "pointsFile" in t
        ? directive("tempcomp", t.sensorFile, t.intervalSeconds, t.pointsFile)
        : directive("tempcomp", t.sensorFile, t.intervalSeconds, t.t0, t.k0, t.k1, t.k2),
    ],
    (args) => {
      const interval = readNumber(args[1]);
      if (interval === undefined) return undefined;
      if (args.length === 3) return { sensorFile: args[0], intervalSeconds: interval, pointsFile: args[2] };
      const [t0, k0, k1, k2] = numbers(args.slice(2), 4) ?? [];
      return args.length === 6 && k2 !== undefined ? { sensorFile: args[0], intervalSeconds: interval, t0, k0, k1, k2 } : undefined;
    },
  ),
];
