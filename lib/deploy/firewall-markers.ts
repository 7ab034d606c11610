import { decodeArg } from "./remote-program";

/**
 * What the host reported about the firewall table cdktf-chrony manages (both as `nft` lists them),
 * for apply and drift alike. Each field is set by one marker of common.sh's firewall functions.
 */
export interface FirewallReport {
  /** `nft` is not installed on the host. */
  missing?: boolean;
  /** The table as it is loaded now (empty when there is none). */
  live?: string;
  /** The table the manifest's rules make, as nft would list it. */
  want?: string;
  /** Why nft could not list the manifest's rules. */
  wantError?: string;
  /** The whole ruleset, for the host chains that could drop what the table accepts. */
  ruleset?: string;
  /** The table after apply loaded it. */
  loaded?: string;
}

/** Records a firewall marker in the report; false when the marker is not a firewall one. */
export function recordFirewallMarker(report: FirewallReport, word: string, args: readonly string[]): boolean {
  const [a, b] = args;
  switch (word) {
    case "FWMISSING":
      report.missing = true;
      return true;
    case "FWLIVE":
      report.live = decodeArg(a);
      return true;
    case "FWWANT":
      if (a === "ok") report.want = decodeArg(b);
      else report.wantError = decodeArg(b);
      return true;
    case "FWRULESET":
      report.ruleset = decodeArg(a);
      return true;
    case "FWLOADED":
      report.loaded = decodeArg(a);
      return true;
    default:
      return false;
  }
}
