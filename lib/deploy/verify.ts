import type { AuthData, NtpData, SourceReport, Tracking } from "../cmdmon";
import { authDataOf, authentication, authenticator, findSource, ntsFailure } from "./rules";
import type { HostConnector } from "./connect-host";
import { HostView } from "./host-view";
import { ExpectedSource, HostManifest } from "../manifest";

export interface SourceCheck {
  readonly kind: ExpectedSource["kind"];
  readonly name: string;
  readonly keyId?: number;
  readonly address?: string;
  readonly state?: SourceReport["state"];
  readonly reach?: number;
  /** For keyed and NTS sources: whether the last replies were authenticated (ntpdata). */
  readonly authenticated?: boolean;
  /** NTS sources: NTS as chronyd reports it (authdata). */
  readonly nts?: Pick<AuthData, "cookies" | "keAttempts" | "nak" | "lastKeAgo">;
  readonly ok: boolean;
  readonly problem?: string;
}

export interface HostVerification {
  readonly host: string;
  readonly stack: string;
  readonly address: string;
  /** "verified": all checks passed; "failed": a check failed; "error": the host could not be queried. */
  readonly result: "verified" | "failed" | "error";
  readonly transport?: "udp" | "ssh";
  /** Synchronised to a real source (not the `local` reference). */
  readonly synchronised?: boolean;
  /** Serving its own clock through the `local` directive. */
  readonly localReference?: boolean;
  readonly tracking?: Pick<Tracking, "refId" | "refName" | "stratum" | "leapStatus" | "systemTimeOffset" | "lastOffset">;
  readonly sources: readonly SourceCheck[];
  readonly problems: readonly string[];
  readonly seconds: number;
}

export interface VerifyOptions {
  readonly log?: (line: string) => void;
  /** The project folder: relative SSH paths of the manifest resolve here. */
  readonly projectDir: string;
  /** @default - the manifest's verify.timeoutSeconds */
  readonly timeoutSeconds?: number;
  /** Poll interval while waiting for sources to be reached. @default 1000 */
  readonly pollMs?: number;
  /**
   * Also require chronyd to consider itself synchronised (leap status not "unsynchronised"; serving
   * its `local` clock counts), whatever the manifest says (a rollout's health gate). @default false
   */
  readonly requireSynchronised?: boolean;
  /** Also require |system time offset| and |last offset| to be at most this many seconds. @default - no bound */
  readonly maxOffsetSeconds?: number;
  /** How to reach the host over SSH. @default - SSH (connectHost) */
  readonly connect?: HostConnector;
}

const LOCAL_REFID = "7F7F0101";

/**
 * Keyed sources can only be judged after a reply came back: then ntpdata says whether it was
 * authenticated. NTS sources first need their NTS-KE to have left cookies (authdata).
 */
async function checkSource(
  ntpData: () => Promise<NtpData[]>,
  authData: () => Promise<AuthData[]>,
  live: readonly SourceReport[],
  e: ExpectedSource,
): Promise<SourceCheck> {
  const base = { kind: e.kind, name: e.name, keyId: e.keyId };
  const s = findSource(live, e);
  if (!s) return { ...base, ok: false, problem: `${e.kind} ${e.name} is not configured in chronyd` };
  const found = { ...base, address: s.address, state: s.state, reach: s.reach };
  if (e.kind === "pool") return { ...found, ok: true };
  const what = authenticator(e);
  const fix = e.nts
    ? "check its certificate, the CAs this host trusts and its NTS-KE port"
    : `check that both hosts hold the same material for key ${e.keyId}`;
  const nts = e.nts ? authDataOf(s, await authData()) : undefined;
  const withNts = nts ? { ...found, nts: { cookies: nts.cookies, keAttempts: nts.keAttempts, nak: nts.nak, lastKeAgo: nts.lastKeAgo } } : found;
  const auth = e.keyId === undefined && !e.nts ? "not-keyed" : authentication(e, s, await ntpData(), e.nts ? await authData() : undefined);
  switch (auth) {
    case "not-keyed":
      return s.reach === 0 ? { ...found, ok: false, problem: `${e.kind} ${e.name} has not answered yet (reach 0)` } : { ...found, ok: true };
    case "nts-ke-failed":
      return { ...withNts, authenticated: false, ok: false, problem: ntsFailure(e, nts) };
    case "no-reply":
      return {
        ...withNts,
        ok: false,
        problem: `${e.kind} ${e.name} has not answered yet (reach ${s.reach.toString(8).padStart(3, "0")}${e.nts ? ", NTS-KE not completed" : ""}); it uses ${what}: ${fix}`,
      };
    case "unauthenticated":
      return {
        ...withNts,
        authenticated: false,
        ok: false,
        problem:
          nts && nts.mode !== "nts"
            ? `${e.kind} ${e.name} should use NTS but chronyd does not authenticate it with NTS (authdata mode ${nts.mode}): its line lacks 'nts'`
            : `${e.kind} ${e.name} uses ${what} but its replies are not authenticated (ntpdata: Authenticated: No): ${fix}`,
      };
    case "last-missed":
      return {
        ...withNts,
        authenticated: false,
        ok: false,
        problem: `${e.kind} ${e.name} uses ${what} but its latest request got no valid reply (reach ${s.reach.toString(8).padStart(3, "0")}): ${fix}`,
      };
    case "authenticated":
      return { ...withNts, authenticated: true, ok: true };
  }
}

/** |offset| beyond the bound: the system clock's offset from NTP time, and the last measured offset. */
function offsetProblems(tracking: Tracking, maxSeconds: number): string[] {
  const out: string[] = [];
  const seconds = (x: number) => `${Math.abs(x) < 0.001 ? (x * 1e6).toFixed(0) + " µs" : x.toFixed(6) + " s"}`;
  if (Math.abs(tracking.systemTimeOffset) > maxSeconds) {
    out.push(
      `system time is ${seconds(Math.abs(tracking.systemTimeOffset))} ${tracking.systemTimeOffset > 0 ? "slow" : "fast"} of NTP time (limit ${maxSeconds} s)`,
    );
  }
  if (Math.abs(tracking.lastOffset) > maxSeconds) out.push(`last offset ${seconds(tracking.lastOffset)} (limit ${maxSeconds} s)`);
  return out;
}

/**
 * Checks a deployed host until every expected source is present and has answered, keyed sources
 * are authenticated, and (when asked) chronyd is synchronised, or the timeout passes.
 */
export async function verifyHost(manifest: HostManifest, options: VerifyOptions): Promise<HostVerification> {
  const started = Date.now();
  const timeoutMs = (options.timeoutSeconds ?? manifest.verify.timeoutSeconds) * 1000;
  const view = new HostView(manifest, { log: options.log, projectDir: options.projectDir, connect: options.connect });
  const base = { host: manifest.id, stack: manifest.stack, address: `${manifest.target.address}:${manifest.target.port}` };
  try {
    for (;;) {
      const tracking = await view.tracking();
      const live = await view.sources();
      const sources: SourceCheck[] = [];
      let ntp: Promise<NtpData[]> | undefined;
      let auth: Promise<AuthData[]> | undefined;
      const ntpData = () => (ntp ??= view.ntpData());
      const authData = () => (auth ??= view.authData());
      for (const e of manifest.verify.sources) sources.push(await checkSource(ntpData, authData, live, e));
      // `local stratum N` reports a normal leap status with refid 7F7F0101 while no source is selected.
      const localReference = tracking.refId === LOCAL_REFID;
      const synchronised = tracking.leapStatus !== "unsynchronised" && !localReference;
      const problems = sources.flatMap((s) => (s.problem ? [s.problem] : []));
      if (manifest.verify.requireSynchronised && !synchronised) {
        problems.push(localReference ? "chronyd serves its local clock: no source is selected yet" : "chronyd is not synchronised");
      } else if (options.requireSynchronised && tracking.leapStatus === "unsynchronised") {
        problems.push("chronyd is not synchronised (leap status unsynchronised)");
      }
      if (options.maxOffsetSeconds !== undefined) problems.push(...offsetProblems(tracking, options.maxOffsetSeconds));
      const done = problems.length === 0;
      if (done || Date.now() - started >= timeoutMs) {
        return {
          ...base,
          result: done ? "verified" : "failed",
          transport: view.transport,
          synchronised,
          localReference,
          tracking: {
            refId: tracking.refId,
            refName: tracking.refName,
            stratum: tracking.stratum,
            leapStatus: tracking.leapStatus,
            systemTimeOffset: tracking.systemTimeOffset,
            lastOffset: tracking.lastOffset,
          },
          sources,
          problems,
          seconds: (Date.now() - started) / 1000,
        };
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
    }
  } catch (err) {
    return { ...base, result: "error", sources: [], problems: [(err as Error).message], seconds: (Date.now() - started) / 1000 };
  } finally {
    await view.close();
  }
}
