import { isIP } from "node:net";
import { isCmdmonError, type Tracking } from "./types";

// `chronyc waitsync` over any transport: the test chronyc 4.3 applies to each TRACKING reply
// (client.c process_cmd_waitsync), and the loop that asks until it passes or time runs out.

/** The bounds of `chronyc waitsync [max-tries [max-correction [max-skew [interval]]]]`; 0 is no bound. */
export interface SyncLimits {
  /** The largest remaining correction of the system clock (|System time|) accepted. @default 0 - any */
  readonly maxCorrectionSeconds?: number;
  /** The largest skew accepted. @default 0 - any */
  readonly maxSkewPpm?: number;
}

/** The local reference's refid ("LOCL" as chronyd writes 127.127.1.1): serving its own clock is not synchronised. */
const LOCAL_REFID = "7F7F0101";

/**
 * Whether chronyd is synchronised as `chronyc waitsync` decides it: its reference is an NTP source
 * (an address) or a refclock (a refid that is neither none nor the local reference), and the
 * correction and skew are within the limits. Returns why not, in words, or undefined when it is.
 */
export function notSynchronised(t: Tracking, limits: SyncLimits = {}): string | undefined {
  const reference = (t.refName !== undefined && isIP(t.refName) !== 0) || (t.refId !== "00000000" && t.refId !== LOCAL_REFID);
  if (!reference) {
    const what = t.refId === LOCAL_REFID ? "it serves its local clock (local reference)" : "it has no reference";
    return `not synchronised: ${what}, refid ${t.refId}, leap status ${t.leapStatus}`;
  }
  const correction = Math.abs(t.systemTimeOffset);
  const maxCorrection = limits.maxCorrectionSeconds ?? 0;
  if (maxCorrection > 0 && correction > maxCorrection) {
    return `synchronised to ${t.refName ?? t.refId}, but its correction ${correction.toFixed(9)} s is above the ${maxCorrection} s allowed`;
  }
  const maxSkew = limits.maxSkewPpm ?? 0;
  if (maxSkew > 0 && t.skewPpm > maxSkew) {
    return `synchronised to ${t.refName ?? t.refId}, but its skew ${t.skewPpm.toFixed(3)} ppm is above the ${maxSkew} ppm allowed`;
  }
  return undefined;
}

/** One try, as `chronyc waitsync` prints it: "try: 1, refid: 7F000001, correction: 0.000012345, skew: 0.123". */
export interface SyncTry {
  readonly try: number;
  readonly tracking?: Tracking;
  /** Why the try did not pass (no answer, or not synchronised); undefined when it passed. */
  readonly problem?: string;
}

export function formatSyncTry(t: SyncTry): string {
  if (!t.tracking) return `try: ${t.try}, no answer: ${t.problem}`;
  const x = t.tracking;
  return `try: ${t.try}, refid: ${x.refId}, correction: ${Math.abs(x.systemTimeOffset).toFixed(9)}, skew: ${x.skewPpm.toFixed(3)}`;
}

export interface WaitSyncOptions extends SyncLimits {
  /** Give up after this long (the last try starts before it ends). @default - never, as chronyc waitsync without max-tries */
  readonly timeoutSeconds?: number;
  /** Between tries. @default 10, as chronyc */
  readonly intervalSeconds?: number;
  /** Called after each try. */
  readonly onTry?: (t: SyncTry) => void;
}

export interface WaitSyncResult {
  readonly synchronised: boolean;
  readonly tries: number;
  /** From the first try to the verdict. */
  readonly seconds: number;
  /** The last TRACKING reply, if any came. */
  readonly tracking?: Tracking;
  /** Why it is not synchronised (the last try's problem); undefined when it is. */
  readonly problem?: string;
}

/**
 * Asks `tracking` until chronyd is synchronised within the limits, or the timeout passes. A try that
 * gets no answer counts as not synchronised, as in chronyc; each try is cut off at the deadline, so
 * the whole wait ends within the timeout (plus a moment).
 */
export async function waitSync(tracking: () => Promise<Tracking>, options: WaitSyncOptions = {}): Promise<WaitSyncResult> {
  const started = Date.now();
  const deadline = options.timeoutSeconds !== undefined ? started + options.timeoutSeconds * 1000 : Infinity;
  const intervalMs = (options.intervalSeconds ?? 10) * 1000;
  let last!: SyncTry;
  // The last try that ended on its own: a try the deadline cut off says less than one that answered.
  let lastEnded: SyncTry | undefined;
  let lastTracking: Tracking | undefined;
  for (let n = 1; ; n++) {
    let t: SyncTry;
    let cut = false;
    try {
      const reply = await beforeDeadline(tracking(), deadline);
      lastTracking = reply;
      t = { try: n, tracking: reply, problem: notSynchronised(reply, options) };
    } catch (error) {
      // No answer is a failed try, as in chronyc: chronyd may be starting, or the path may clear.
      cut = error instanceof DeadlinePassed;
      t = { try: n, problem: isCmdmonError(error) || error instanceof Error ? error.message : String(error) };
    }
    last = t;
    if (!cut) lastEnded = t;
    options.onTry?.(t);
    const seconds = (Date.now() - started) / 1000;
    if (t.problem === undefined) return { synchronised: true, tries: n, seconds, tracking: t.tracking };
    const wait = Math.min(intervalMs, deadline - Date.now());
    if (wait <= 0) break;
    await new Promise((r) => setTimeout(r, wait));
    if (Date.now() >= deadline) break;
  }
  // A host that answered "not synchronised" and whose last try met the deadline is reported by its answer.
  const problem = (lastEnded ?? last).problem;
  return { synchronised: false, tries: last.try, seconds: (Date.now() - started) / 1000, tracking: lastTracking, problem };
}

/** A try cut off because the wait's timeout passed. */
class DeadlinePassed extends Error {
  constructor() {
    super("no answer before the timeout");
  }
}

function beforeDeadline<T>(p: Promise<T>, deadline: number): Promise<T> {
  if (deadline === Infinity) return p;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlinePassed()), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
