import { NtpKeyTypeName } from "../keys/key-type";
import { ImportedHost, ImportedSource, profileOf } from "./import-host";
import { ImportReport } from "./import-report";

/** A key declared once for the app (one NtpKey), with the hosts that hold it. */
export interface FleetKey {
  readonly id: number;
  readonly type: NtpKeyTypeName;
  /** Secret: written to the key store only. */
  readonly material: string;
  readonly holders: readonly string[];
}

/** A source that points at another host of the app: the generated code passes the ChronyHost. */
export interface HostLink {
  readonly from: string;
  readonly to: string;
  readonly source: ImportedSource;
}

/** Hosts imported together: their sources to each other become references, shared keys one NtpKey. */
export interface ImportedFleet {
  /** Each host with the sources that are not links. */
  readonly hosts: readonly ImportedHost[];
  readonly links: readonly HostLink[];
  readonly keys: readonly FleetKey[];
  /** Problems that span hosts, by host name. */
  readonly reports: ReadonlyArray<{ readonly host: string; readonly report: ImportReport }>;
}

/**
 * Links hosts imported together. A server or peer line whose address and port are another host's
 * (the address the import reached it by, its profile's NTP port) becomes a reference, so the
 * address, port and key follow that host. Keys with one ID and one material become one NtpKey; one
 * ID with two materials cannot be one app's (chrony.keys would disagree), which is reported.
 */
export function linkFleet(imported: readonly ImportedHost[]): ImportedFleet {
  const hosts = uniqueNames(imported);
  const reports: Array<{ host: string; report: ImportReport }> = [];

  const byEndpoint = new Map<string, ImportedHost>();
  for (const h of hosts) {
    const address = h.snapshot.target?.address;
    const ntpPort = profileOf(h).ntpPort;
    const port = h.props.port ?? ntpPort;
    if (address === undefined || port !== ntpPort) continue;
    byEndpoint.set(`${address.toLowerCase()}:${ntpPort}`, h);
  }
  const links: HostLink[] = [];
  const linked = hosts.map((h) => {
    const rest: ImportedSource[] = [];
    for (const s of h.sources) {
      const port = (s.options.port as number | undefined) ?? 123;
      const target = s.kind === "pool" ? undefined : byEndpoint.get(`${s.address.toLowerCase()}:${port}`);
      if (!target || target === h) {
        rest.push(s);
        continue;
      }
      // The target's NTP port follows the reference (ChronyHost writes it when it is not 123).
      const { port: _port, ...options } = s.options;
      void _port;
      links.push({ from: h.name, to: target.name, source: { ...s, options } });
    }
    return { ...h, sources: rest };
  });

  const keys = new Map<number, FleetKey>();
  for (const h of linked) {
    for (const k of h.keys) {
      const known = keys.get(k.id);
      if (!known) {
        keys.set(k.id, { id: k.id, type: k.type, material: k.material, holders: [h.name] });
      } else if (known.type === k.type && known.material === k.material) {
        keys.set(k.id, { ...known, holders: [...known.holders, h.name] });
      } else {
        reports.push({
          host: h.name,
          report: {
            at: h.snapshot.keys?.path,
            level: "error",
            message: `key ${k.id} differs from key ${k.id} of ${known.holders[0]}: one app holds one key per ID, so the app declares ${known.holders[0]}'s; import this host into an app of its own, or move one of the keys to a new ID first`,
          },
        });
      }
    }
  }
  // A key a host's source or a client's link uses must be in the app; the host may lack it today.
  const uses = [
    ...imported.flatMap((h) => h.sources.map((s) => ({ host: h.name, user: h.name, source: s }))),
    ...links.map((l) => ({ host: l.to, user: l.from, source: l.source })),
  ];
  for (const u of uses) {
    const id = u.source.keyId;
    if (id === undefined) continue;
    const holder = linked.find((h) => h.name === u.host)!;
    if (holder.keys.some((k) => k.id === id)) continue;
    const known = keys.get(id);
    const who = u.user === u.host ? `its ${u.source.kind} ${u.source.address} uses key ${id}` : `${u.user} authenticates it with key ${id}`;
    reports.push({
      host: u.host,
      report: known
        ? {
            at: u.source.at,
            level: "warning",
            message: `${who}, which its chrony.keys lacks (so chronyd cannot authenticate it today): the app gives it ${known.holders[0]}'s key ${id}`,
          }
        : {
            at: u.source.at,
            level: "error",
            message: `${who}, which is in no imported chrony.keys: the app declares it with the key store, which would generate a new key; put the host's key in .chrony-keys/key-${id}.line (as 'ID TYPE HEX:...') before synth, or import with --keys FILE`,
          },
    });
  }
  return { hosts: linked, links, keys: [...keys.values()].sort((a, b) => a.id - b.id), reports };
}

/** Construct ids must be unique in the stack: a second "ntp" becomes "ntp-2". */
function uniqueNames(hosts: readonly ImportedHost[]): ImportedHost[] {
  const used = new Set<string>();
  return hosts.map((h) => {
    let name = h.name;
    for (let n = 2; used.has(name); n++) name = `${h.name}-${n}`;
    used.add(name);
    return name === h.name ? h : { ...h, name };
  });
}
