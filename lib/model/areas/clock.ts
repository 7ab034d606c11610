import { Directive, directive } from "../directive";

export interface MakeStep {
  /** Step the clock when the offset is larger than this. */
  readonly thresholdSeconds: number;
  /** Only in the first this many clock updates; negative means always. */
  readonly limit: number;
}

export interface LocalReference {
  /** Stratum served while no real source is selected (1..15). @default 10 */
  readonly stratum?: number;
  /** ntpd-compatible orphan mode. @default false */
  readonly orphan?: boolean;
  /** @default 1 */
  readonly distanceSeconds?: number;
}

export interface Refclock {
  readonly driver: "PPS" | "SHM" | "SOCK" | "PHC";
  /** The driver's parameter, e.g. "/dev/pps0", "0", "/var/run/chrony.ttyS0.sock". */
  readonly parameter: string;
  /** Reference ID (up to 4 characters). @default - from the driver */
  readonly refId?: string;
  /** log2 seconds. @default 4 */
  readonly poll?: number;
  /** @default 0 */
  readonly offsetSeconds?: number;
  /** @default 1e-9 */
  readonly delaySeconds?: number;
  /** @default - as an NTP source of stratum 0 */
  readonly stratum?: number;
  /** Lock PPS samples to the refclock with this refid. @default - none */
  readonly lock?: string;
  readonly prefer?: boolean;
  readonly noselect?: boolean;
  readonly trust?: boolean;
  readonly require?: boolean;
  /** Treat as a PPS refclock. @default false */
  readonly pps?: boolean;
}

export interface HardwareTimestamping {
  /** Interface name, or "*" for all that support it. */
  readonly interface: string;
  /** log2 seconds. @default 0 */
  readonly minPoll?: number;
  readonly rxFilter?: "all" | "ntp" | "ptp" | "none";
  readonly noCrossTs?: boolean;
}

export interface ClockProps {
  /** @default - no step after the start (chronyd only slews) */
  readonly makestep?: MakeStep;
  /** @default 1000 */
  readonly maxUpdateSkewPpm?: number;
  /** Keep the RTC in sync (Linux 11-minute mode). @default false */
  readonly rtcsync?: boolean;
  /** @default - no leap second table from tz */
  readonly leapSecTz?: string;
  /** @default - system */
  readonly leapSecMode?: "system" | "step" | "slew" | "ignore";
  /** Serve time from the local clock when unsynchronised. @default - disabled */
  readonly local?: LocalReference;
  /** Sources needed before the clock is updated. @default 1 */
  readonly minSources?: number;
  /** @default 3 */
  readonly maxDistanceSeconds?: number;
  /** @default - none */
  readonly refclocks?: readonly Refclock[];
  /** @default - none */
  readonly hwTimestamping?: readonly HardwareTimestamping[];
  /** @default - mix */
  readonly authSelectMode?: "require" | "prefer" | "mix" | "ignore";
}

function refclockDirective(r: Refclock): Directive {
  const args: Array<string | number> = [r.driver, r.parameter];
  if (r.refId !== undefined) args.push("refid", r.refId);
  if (r.lock !== undefined) args.push("lock", r.lock);
  if (r.poll !== undefined) args.push("poll", r.poll);
  if (r.offsetSeconds !== undefined) args.push("offset", r.offsetSeconds);
  if (r.delaySeconds !== undefined) args.push("delay", r.delaySeconds);
  if (r.stratum !== undefined) args.push("stratum", r.stratum);
  for (const flag of ["pps", "prefer", "noselect", "trust", "require"] as const) if (r[flag]) args.push(flag);
  return directive("refclock", ...args);
}

function hwTimestampDirective(h: HardwareTimestamping): Directive {
  const args: Array<string | number> = [h.interface];
  if (h.minPoll !== undefined) args.push("minpoll", h.minPoll);
  if (h.rxFilter !== undefined) args.push("rxfilter", h.rxFilter);
  if (h.noCrossTs) args.push("nocrossts");
  return directive("hwtimestamp", ...args);
}

export function clockDirectives(props: ClockProps): Directive[] {
  const out: Directive[] = [];
  if (props.makestep) out.push(directive("makestep", props.makestep.thresholdSeconds, props.makestep.limit));
  if (props.maxUpdateSkewPpm !== undefined) out.push(directive("maxupdateskew", props.maxUpdateSkewPpm));
  if (props.rtcsync) out.push(directive("rtcsync"));
  if (props.leapSecTz !== undefined) out.push(directive("leapsectz", props.leapSecTz));
  if (props.leapSecMode !== undefined) out.push(directive("leapsecmode", props.leapSecMode));
  if (props.local) {
    const args: Array<string | number> = [];
    if (props.local.stratum !== undefined) args.push("stratum", props.local.stratum);
    if (props.local.orphan) args.push("orphan");
    if (props.local.distanceSeconds !== undefined) args.push("distance", props.local.distanceSeconds);
    out.push(directive("local", ...args));
  }
  if (props.minSources !== undefined) out.push(directive("minsources", props.minSources));
  if (props.maxDistanceSeconds !== undefined) out.push(directive("maxdistance", props.maxDistanceSeconds));
  if (props.authSelectMode !== undefined) out.push(directive("authselectmode", props.authSelectMode));
  for (const r of props.refclocks ?? []) out.push(refclockDirective(r));
  for (const h of props.hwTimestamping ?? []) out.push(hwTimestampDirective(h));
  return out;
}
