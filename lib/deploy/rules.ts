import type { NtpData, SourceReport } from "../cmdmon";
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
  return live.filter((s) => s.mode !== "refclock" && !expected.some((e) => [s.name, s.address].some((n) => n?.toLowerCase() === e.name.toLowerCase())));
}

/**
 * Whether a keyed (or NTS) source is authenticated:
 * - "no-reply": it has not answered yet, so nothing can be said;
 * - "unauthenticated": ntpdata says its replies are not authenticated, or it answers without ntpdata;
 * - "last-missed": its latest request got no valid reply (chronyd drops a reply it cannot
 *   authenticate, so a wrong key shows as misses while ntpdata still describes an older reply);
 * - "authenticated"; "not-keyed" for a source without a key or NTS.
 */
export type Authentication = "not-keyed" | "no-reply" | "unauthenticated" | "last-missed" | "authenticated";

export function authentication(expected: ExpectedSource, source: SourceReport, ntpData: readonly NtpData[]): Authentication {
  if (expected.keyId === undefined && !expected.nts) return "not-keyed";
  if (source.reach === 0) return "no-reply";
  const data = ntpData.find((d) => d.remoteAddress === source.address);
  if (!data || !data.authenticated) return "unauthenticated";
  return (source.reach & 1) === 1 ? "authenticated" : "last-missed";
}

/** What authenticates a source, for messages: "key 5" or "NTS". */
export function authenticator(expected: ExpectedSource): string {
  return expected.nts ? "NTS" : `key ${expected.keyId}`;
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
