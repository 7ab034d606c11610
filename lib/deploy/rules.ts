import type { AuthData, NtpData, SourceReport } from "../cmdmon";
import type { ExpectedSource } from "../manifest";

/**
 * The rules apply, verify and drift share: one answer per question, so the three never disagree
 * about whether a source is configured, whether it is authenticated, or whether a file matches.
 */

/**
 * Is this expected source configured in chronyd? The live source that stands for it: same mode (a
 * peer is not a server; pools list as servers), then by configured name, else by address, ignoring case.
 */
export function findSource(live: readonly SourceReport[], expected: ExpectedSource): SourceReport | undefined {
  const name = expected.name.toLowerCase();
  const mode = expected.kind === "peer" ? "peer" : "server";
  const candidates = live.filter((s) => s.mode === mode);
  return candidates.find((s) => (s.name ?? s.address).toLowerCase() === name) ?? candidates.find((s) => s.address.toLowerCase() === name);
}

/** Live NTP sources the manifest does not name (added at runtime, or from a foreign file). */
export function extraSources(live: readonly SourceReport[], expected: readonly ExpectedSource[]): SourceReport[] {
  return live.filter(
    (s) => s.mode !== "refclock" && !expected.some((e) => [s.name, s.address].some((n) => n?.toLowerCase() === e.name.toLowerCase())),
  );
}

/**
 * Where an NTS source's key establishment stands, from `chronyc -c authdata`:
 * - "established": it holds cookies and the server has not refused them (no NAK);
 * - "pending": no NTS-KE has been tried yet, or the server refused the cookies and a new NTS-KE is due;
 * - "failed": NTS-KE was tried and left no cookies (a certificate the host does not trust or that
 *   does not name the server, an expired one, or a closed NTS-KE port; after a TLS failure chronyd
 *   waits 1024 s before trying again). A session in progress looks the same for its few milliseconds;
 *   apply waits for the state to last before it rolls back;
 * - "not-nts": chronyd does not use NTS for the source (its line has no `nts`).
 */
export type NtsKeState = "established" | "pending" | "failed" | "not-nts";

export function ntsKeState(data: AuthData | undefined): NtsKeState {
  if (!data) return "pending";
  if (data.mode !== "nts") return "not-nts";
  if (data.cookies > 0 && data.nak === 0) return "established";
  return data.keAttempts > 0 && data.cookies === 0 ? "failed" : "pending";
}

/** The authdata line of a live source. */
export function authDataOf(source: SourceReport, authData: readonly AuthData[]): AuthData | undefined {
  return authData.find((d) => d.address === source.address);
}

/**
 * Whether a keyed (or NTS) source is authenticated:
 * - "no-reply": it has not answered yet (an NTS source: its NTS-KE has not completed), so nothing can be said;
 * - "unauthenticated": ntpdata says its replies are not authenticated, or it answers without ntpdata;
 *   an NTS source that chronyd does not authenticate with NTS;
 * - "nts-ke-failed": an NTS source whose NTS-KE left it without cookies (see NtsKeState);
 * - "last-missed": its latest request got no valid reply (chronyd drops a reply it cannot
 *   authenticate, so a wrong key shows as misses while ntpdata still describes an older reply);
 * - "authenticated"; "not-keyed" for a source without a key or NTS.
 * NTS sources are judged from authdata when the caller has it (verify, drift and apply do).
 */
export type Authentication = "not-keyed" | "no-reply" | "unauthenticated" | "nts-ke-failed" | "last-missed" | "authenticated";

export function authentication(
  expected: ExpectedSource,
  source: SourceReport,
  ntpData: readonly NtpData[],
  authData?: readonly AuthData[],
): Authentication {
  if (expected.keyId === undefined && !expected.nts) return "not-keyed";
  if (expected.nts && authData) {
    const ke = ntsKeState(authDataOf(source, authData));
    if (ke === "not-nts") return "unauthenticated";
    if (ke === "failed") return "nts-ke-failed";
    if (ke === "pending") return "no-reply";
  }
  if (source.reach === 0) return "no-reply";
  const data = ntpData.find((d) => d.remoteAddress === source.address);
  if (!data || !data.authenticated) return "unauthenticated";
  return (source.reach & 1) === 1 ? "authenticated" : "last-missed";
}

/** What authenticates a source, for messages: "key 5" or "NTS". */
export function authenticator(expected: ExpectedSource): string {
  return expected.nts ? "NTS" : `key ${expected.keyId}`;
}

/**
 * Why an NTS source failed, for verify, drift and apply alike: the attempts, and the cause synth
 * foresaw (an untrusted issuer, a missing name) or the causes to check.
 */
export function ntsFailure(expected: ExpectedSource, data: AuthData | undefined): string {
  const attempts = data ? `${data.keAttempts} attempt${data.keAttempts === 1 ? "" : "s"}, no cookies` : "no cookies";
  const why =
    expected.ntsProblem ??
    `check that its certificate is issued by a CA this host trusts (ntstrustedcerts, or the system CAs without nosystemcert), names ${expected.name} and is valid now, and that its NTS-KE port answers (chronyd logs the TLS error)`;
  return `${expected.kind} ${expected.name} uses NTS but NTS-KE failed (${attempts}): ${why}`;
}

/** "NTS: authenticated, 8 cookies": one source's NTS state for reports. */
export function ntsSummary(data: AuthData | undefined): string {
  if (!data) return "NTS: no authdata";
  if (data.mode !== "nts") return "NTS: NOT used";
  const state = ntsKeState(data);
  if (state === "established") return `NTS: authenticated, ${data.cookies} cookie${data.cookies === 1 ? "" : "s"}`;
  if (state === "failed") return `NTS: NTS-KE FAILED (${data.keAttempts} attempt${data.keAttempts === 1 ? "" : "s"})`;
  return data.nak ? "NTS: cookies refused (NAK), NTS-KE due" : "NTS: NTS-KE pending";
}

/** A managed file as found on the host (undefined: missing). */
export interface LiveFile {
  readonly sha256: string;
  /** Octal, as `stat -c %a` prints it: "640". */
  readonly mode: string;
  /** "user:group". */
  readonly owner: string;
}

export interface WantedFile {
  readonly sha256: string;
  readonly mode: number;
  /** "user:group", or undefined when any owner will do. */
  readonly owner?: string;
}

/** Does the file on the host match? "content" wins over "mode" and "owner" (a rewrite fixes all three). */
export type FileMatch = "same" | "missing" | "content" | "mode" | "owner";

export function fileMatch(live: LiveFile | undefined, wanted: WantedFile): FileMatch {
  if (!live) return "missing";
  if (live.sha256 !== wanted.sha256) return "content";
  if (live.mode !== wanted.mode.toString(8)) return "mode";
  if (wanted.owner !== undefined && live.owner !== wanted.owner) return "owner";
  return "same";
}

/**
 * Does cdktf-chrony's firewall table on the host hold what its rules say? Both sides as nft lists
 * them on that host (the wanted rules loaded into an empty network namespace and listed there), so
 * nft's own formatting never counts as a difference. A table that is not loaded lists as "".
 */
export function firewallState(live: string | undefined, want: string | undefined): "same" | "differs" {
  return (live ?? "").trim() === (want ?? "").trim() ? "same" : "differs";
}
