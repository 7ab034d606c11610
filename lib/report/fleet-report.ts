import type { AuthData } from "../cmdmon";
import { ntsSummary } from "../deploy/rules";
import { HostVerification } from "../deploy/verify";

export interface ReportRow {
  readonly verification: HostVerification;
  /** The action the last apply took on the host (reload sources, rekey, restart, none). */
  readonly action?: string;
}

const STATE: Record<string, string> = {
  selected: "selected (*)",
  combined: "combined (+)",
  notCombined: "not combined (-)",
  nonselectable: "not selectable (?)",
  falseticker: "falseticker (x)",
  jittery: "jittery (~)",
};

/**
 * The fleet as people want to read it after a deploy: per host, what the deploy did, whether it
 * is synchronised, and each source with its state, reach and authentication.
 */
export function formatFleetReport(rows: readonly ReportRow[]): string {
  const out: string[] = [];
  for (const { verification: v, action } of rows) {
    const sync = v.synchronised
      ? `synchronised to ${v.tracking?.refName ?? v.tracking?.refId}`
      : v.localReference
        ? "serving its local clock (stratum " + v.tracking?.stratum + ")"
        : v.result === "error"
          ? "unreachable"
          : "not synchronised yet";
    const mark = v.result === "verified" ? "✔" : "✘";
    out.push(`${mark} ${v.host.padEnd(10)} ${v.address.padEnd(21)} deploy: ${(action ?? "-").padEnd(16)} ${sync}`);
    for (const s of v.sources) {
      const auth = s.nts
        ? ntsSummary({ ...s.nts, mode: "nts" } as AuthData)
        : s.keyId !== undefined
          ? s.authenticated
            ? `key ${s.keyId}: authenticated`
            : `key ${s.keyId}: NOT authenticated`
          : "no key";
      const reach = s.reach === undefined ? "-" : s.reach.toString(8).padStart(3, "0");
      out.push(
        `    ${s.kind.padEnd(6)} ${s.name.padEnd(16)} ${(s.state ? (STATE[s.state] ?? s.state) : "missing").padEnd(20)} reach ${reach}  ${auth}`,
      );
    }
    for (const p of v.problems) out.push(`    ! ${p}`);
  }
  return `${out.join("\n")}\n`;
}
