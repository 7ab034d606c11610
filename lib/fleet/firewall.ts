import { AddressFamily } from "../firewall/access-table";
import { FIREWALL_TABLE, firewallFilePath, renderNftables } from "../firewall/nftables";
import { describeOpening, servedOpenings } from "../firewall/openings";
import type { HostFile, ManifestFirewall } from "../manifest/schema";
import { ConfigError } from "../model/config-error";
import type { Directive } from "../model/directive";
import type { HostDeclaration } from "./declaration";

/** A managed firewall as the compiler adds it to a host: the rules file and the manifest's part. */
export interface HostFirewall {
  readonly file: HostFile;
  readonly manifest: ManifestFirewall;
}

/** `unshare --net`: nft lists a file's table in an empty network namespace, as it would print it on the host. */
const SCRATCH_NAMESPACE = ["unshare", "--net", "--"];

/**
 * The firewall rules of a host that asks for them: what its chrony.conf (`lines`, the profile's and
 * the host's) and its sources serve, as the file apply loads. Throws ConfigError for an access rule
 * given as a hostname, which no rule can hold.
 */
export function hostFirewall(host: HostDeclaration, lines: readonly Directive[], sources: readonly Directive[]): HostFirewall | undefined {
  if (host.firewall === undefined) return undefined;
  if (host.profile.name === "sandbox") {
    // One table per host needs one network namespace per host; the sandbox's hosts share this machine's.
    throw new ConfigError(
      `host ${host.id}: firewall: the sandbox's hosts share this machine's network namespace and its firewall, so one host's table would replace another's: leave the firewall out on sandbox hosts (the e2e lab gives each host its own)`,
    );
  }
  let openings;
  try {
    openings = servedOpenings(lines, sources);
  } catch (err) {
    throw new ConfigError(`host ${host.id}: firewall: ${(err as Error).message}, or leave the host's firewall unmanaged`);
  }
  const families = new Set<AddressFamily>();
  for (const o of openings) {
    for (const f of [4, 6] as const) if (o.listen[f] !== undefined && o.sources.some((e) => e.family === f && e.allow)) families.add(f);
  }
  const spec = { table: FIREWALL_TABLE, mark: host.firewall.mark };
  const p = host.profile;
  return {
    file: {
      path: firewallFilePath(p),
      content: renderNftables(openings, spec),
      mode: 0o644,
      owner: `${p.confOwner}:${p.confGroup}`,
      role: "firewall",
    },
    manifest: {
      backend: "nftables",
      ...spec,
      families: [...families].sort(),
      openings: openings.map(describeOpening),
      nft: [...host.firewall.nft],
      scratch: [...(host.firewall.scratch ?? SCRATCH_NAMESPACE)],
    },
  };
}
