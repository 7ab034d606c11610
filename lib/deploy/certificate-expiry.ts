import { daysLeft } from "../keys/nts/certificate-facts";
import type { HostManifest, NtsCertificateEntry } from "../manifest";
import type { Difference } from "./drift";

/** How close a certificate of a host is to its end: the rule `keys` and `drift` share. */
export interface CertificateStatus {
  readonly entry: NtsCertificateEntry;
  readonly daysLeft: number;
  /** "renew": within renewBeforeDays (a warning); "hard-limit": within hardLimitDays; "expired". */
  readonly status: "ok" | "renew" | "hard-limit" | "expired";
  /** What to do, in words. */
  readonly advice: string;
}

function what(entry: NtsCertificateEntry): string {
  return entry.role === "server" ? `NTS certificate ${entry.path} (${entry.subject})` : `trusted NTS CA ${entry.subject} in ${entry.path}`;
}

function advice(entry: NtsCertificateEntry): string {
  if (entry.role === "trusted") return "create a new NtsCertificateAuthority and deploy it before this one ends";
  return entry.issuedBy !== undefined ? `the next synth re-issues it (${entry.issuedBy}); deploy then` : "renew it, run synth again and deploy";
}

export function certificateStatuses(manifest: HostManifest, now: Date): CertificateStatus[] {
  return (manifest.nts?.certificates ?? []).map((entry) => {
    const left = daysLeft(entry, now);
    const status =
      Date.parse(entry.notAfter) <= now.getTime()
        ? "expired"
        : left < entry.hardLimitDays
          ? "hard-limit"
          : left < entry.renewBeforeDays
            ? "renew"
            : "ok";
    return { entry, daysLeft: left, status, advice: advice(entry) };
  });
}

/**
 * Drift's view of a host's certificates: expired, or within the hard limit, is drift (exit 2);
 * within the renewal window, a warning line.
 */
export function certificateExpiry(manifest: HostManifest, now: Date): { differences: Difference[]; warnings: string[] } {
  const differences: Difference[] = [];
  const warnings: string[] = [];
  for (const s of certificateStatuses(manifest, now)) {
    const subject = s.entry.path;
    if (s.status === "expired") {
      differences.push({ kind: "certificate-expired", subject, detail: `${what(s.entry)} expired on ${s.entry.notAfter}: ${s.advice}` });
    } else if (s.status === "hard-limit") {
      differences.push({
        kind: "certificate-expiring",
        subject,
        detail: `${what(s.entry)} expires in ${s.daysLeft} day(s) (${s.entry.notAfter}), within hardLimitDays ${s.entry.hardLimitDays}: ${s.advice}`,
      });
    } else if (s.status === "renew") {
      warnings.push(
        `${what(s.entry)} expires in ${s.daysLeft} day(s) (${s.entry.notAfter}), within renewBeforeDays ${s.entry.renewBeforeDays}: ${s.advice}`,
      );
    }
  }
  return { differences, warnings };
}
