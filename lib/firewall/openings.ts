import { isIP } from "node:net";
import type { Directive } from "../model/directive";
import { AccessEntry, AccessRule, AddressFamily, accessEntries } from "./access-table";

/**
 * What a chrony configuration serves to other machines, read from chrony.conf's lines the way
 * chronyd 4.3 reads them: the firewall opens exactly this.
 *
 * - NTP (udp `port`, 123): to the `allow`/`deny` table, on `bindaddress` (per family, any when
 *   unset), through `binddevice`. `port 0` serves nobody.
 * - NTS-KE (tcp `ntsport`, 4460) when the host is an NTS server (`ntsserverkey`): chronyd checks the
 *   same allow/deny table for it and listens on the NTP bind address (nts_ke_server.c).
 * - Peers (`peer ADDRESS`): chronyd answers a configured peer on the NTP port whatever allow/deny
 *   say. Peers named by hostname get no rule (their address is known only when chronyd resolves it).
 * - Commands (udp `cmdport`, 323): to the `cmdallow`/`cmddeny` table, on `bindcmdaddress`, which
 *   defaults to loopback for each family: a family without a non-loopback bindcmdaddress is not
 *   served to anyone. `cmdport 0` leaves only the Unix socket.
 */

export type OpenedService = "ntp" | "nts-ke" | "peer" | "cmd";

/** Where chronyd listens for a service in one family: any address, or one address. */
export type Listen = "any" | string;

export interface Opening {
  readonly service: OpenedService;
  readonly protocol: "udp" | "tcp";
  readonly port: number;
  /** The sources, most specific first: each network is answered (allow) or not; everything else is not. */
  readonly sources: readonly AccessEntry[];
  /** Per family, where chronyd listens; a family missing here is not served. */
  readonly listen: Readonly<Partial<Record<AddressFamily, Listen>>>;
  /** `binddevice` / `bindcmddevice`. */
  readonly device?: string;
  /** The chrony.conf words that open it, for the rule's comment and reports ("cmdallow", "peer 192.0.2.7"). */
  readonly because: string;
}

const lower = (d: Directive) => d.name.toLowerCase();

function last(lines: readonly Directive[], name: string): Directive | undefined {
  return lines.filter((d) => lower(d) === name).at(-1);
}

function portOf(lines: readonly Directive[], name: string, fallback: number): number {
  const d = last(lines, name);
  return d === undefined ? fallback : Number(d.args[0]);
}

function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1";
}

/** Per family, the last address a bind directive gives for it (paths, for bindcmdaddress's socket, are not addresses). */
function boundAddresses(lines: readonly Directive[], name: string): Partial<Record<AddressFamily, string>> {
  const out: Partial<Record<AddressFamily, string>> = {};
  for (const d of lines.filter((l) => lower(l) === name)) {
    const address = d.args[0];
    const family = isIP(address);
    if (family === 4 || family === 6) out[family] = address;
  }
  return out;
}

function listenOf(address: string | undefined, unset: Listen | undefined): Listen | undefined {
  if (address === undefined) return unset;
  if (address === "0.0.0.0" || address === "::") return "any";
  return address;
}

function accessRules(lines: readonly Directive[], allow: string, deny: string): AccessRule[] {
  return lines
    .filter((d) => lower(d) === allow || lower(d) === deny)
    .map((d) => {
      const all = d.args[0] === "all";
      const rest = all ? d.args.slice(1) : d.args;
      return { allow: lower(d) === allow, all, ...(rest.length > 0 ? { subnet: rest[0] } : {}) };
    });
}

const ruleText = (name: string) => (r: AccessRule) => [name, ...(r.all ? ["all"] : []), ...(r.subnet !== undefined ? [r.subnet] : [])].join(" ");

/**
 * The openings of a host whose chrony.conf has `lines` (the profile's and the host's, in order) and
 * whose sources are `sources` (from chrony.conf or the managed sources file). Throws Error naming
 * the line for an access rule given as a hostname, which no firewall rule can hold.
 */
export function servedOpenings(lines: readonly Directive[], sources: readonly Directive[]): Opening[] {
  const out: Opening[] = [];
  const ntpPort = portOf(lines, "port", 123);
  if (ntpPort !== 0) {
    const bound = boundAddresses(lines, "bindaddress");
    const listen = { 4: listenOf(bound[4], "any"), 6: listenOf(bound[6], "any") };
    const device = last(lines, "binddevice")?.args[0];
    const base = { protocol: "udp" as const, port: ntpPort, listen, ...(device !== undefined ? { device } : {}) };
    for (const peer of [...lines, ...sources].filter((d) => lower(d) === "peer")) {
      const address = peer.args[0];
      const family = isIP(address);
      if (family !== 4 && family !== 6) continue;
      out.push({
        ...base,
        service: "peer",
        sources: accessEntries([{ allow: true, all: false, subnet: address }], () => `peer ${address}`),
        because: `peer ${address}`,
      });
    }
    const rules = accessRules(lines, "allow", "deny");
    const served = accessEntries(rules, (r) => ruleText(r.allow ? "allow" : "deny")(r));
    if (served.some((e) => e.allow)) {
      out.push({ ...base, service: "ntp", sources: served, because: "allow" });
      if (lines.some((d) => lower(d) === "ntsserverkey")) {
        out.push({
          ...base,
          service: "nts-ke",
          protocol: "tcp",
          port: portOf(lines, "ntsport", 4460),
          sources: served,
          because: "allow, ntsserverkey",
        });
      }
    }
  }
  const cmdPort = portOf(lines, "cmdport", 323);
  if (cmdPort !== 0) {
    const bound = boundAddresses(lines, "bindcmdaddress");
    const listen: Partial<Record<AddressFamily, Listen>> = {};
    for (const family of [4, 6] as const) {
      const address = bound[family];
      if (address !== undefined && !isLoopback(address)) listen[family] = listenOf(address, undefined)!;
    }
    const rules = accessRules(lines, "cmdallow", "cmddeny");
    const served = accessEntries(rules, (r) => ruleText(r.allow ? "cmdallow" : "cmddeny")(r));
    if (Object.keys(listen).length > 0 && served.some((e) => e.allow)) {
      const device = last(lines, "bindcmddevice")?.args[0];
      out.push({
        service: "cmd",
        protocol: "udp",
        port: cmdPort,
        sources: served,
        listen,
        ...(device !== undefined ? { device } : {}),
        because: "cmdallow, bindcmdaddress",
      });
    }
  }
  return out;
}

/** One line per opening for reports: "323/udp from 198.18.8.0/24 (cmdallow, bindcmdaddress)". */
export function describeOpening(o: Opening): string {
  const families = ([4, 6] as const).filter((f) => o.listen[f] !== undefined);
  const allowed = o.sources.filter((e) => e.allow && families.includes(e.family)).map((e) => (e.bits === 0 ? `any IPv${e.family}` : e.network));
  const refused = o.sources.filter((e) => !e.allow && families.includes(e.family)).map((e) => e.network);
  return `${o.port}/${o.protocol} from ${allowed.join(", ")}${refused.length > 0 ? ` except ${refused.join(", ")}` : ""} (${o.because})`;
}
