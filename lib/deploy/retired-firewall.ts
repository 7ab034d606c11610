import { FIREWALL_TABLE, firewallFilePath } from "../firewall/nftables";
import type { HostManifest } from "../manifest";

/**
 * A firewall the app stopped managing. When the `firewall` prop goes, the manifest no longer says
 * which table or nft to use, so the table is the one cdktf-chrony always uses and nft is on PATH.
 */
export const RETIRED_FIREWALL = { table: `inet ${FIREWALL_TABLE}`, nft: ["nft"] } as const;

/**
 * Where a host whose firewall the app does not manage may still hold cdktf-chrony's rules file,
 * left from when it did: the path is fixed by the profile (firewallFilePath), so it is known
 * without the prop. Apply removes that file and unloads its table in the same transaction as the
 * rest (both come back on a rollback); drift and plan report it. Undefined when the app manages
 * the host's firewall.
 */
export function retiredFirewallPath(manifest: HostManifest): string | undefined {
  return manifest.firewall ? undefined : firewallFilePath(manifest.profile);
}

/** Why apply removes the file, for its plan line and drift's report. */
export function retiredFirewallReason(path: string): string {
  return `the app no longer manages the host's firewall: ${path} and table ${RETIRED_FIREWALL.table} are left from when it did`;
}
