import { ConfigError } from "../lib/model/config-error";
import { IConstruct } from "./cdk";
import { ChronyHost, HostSource } from "./chrony-host";
import { keyUseOf } from "./key-rotation";
import { NtpKey } from "./ntp-key";

/** A source of another host that points at this one (so this host must hold its keys). */
export interface IncomingSource {
  readonly from: ChronyHost;
  readonly source: HostSource;
}

/** All ChronyHosts of an app, indexed once per synth (hosts can point at hosts in other stacks). */
export interface Fleet {
  readonly hosts: readonly ChronyHost[];
  readonly incoming: ReadonlyMap<ChronyHost, readonly IncomingSource[]>;
  readonly byNtpAddress: ReadonlyMap<string, ChronyHost>;
  /** Every NtpKey of the app by key ID; more than one per ID must have the same material. */
  readonly keysById: ReadonlyMap<number, readonly NtpKey[]>;
}

const FLEETS = new WeakMap<IConstruct, Fleet>();

export function fleetOf(scope: IConstruct): Fleet {
  const root = scope.node.root;
  let fleet = FLEETS.get(root);
  if (!fleet) {
    fleet = indexFleet(root.node.findAll().filter((c): c is ChronyHost => ChronyHost.isChronyHost(c) && c.complete));
    FLEETS.set(root, fleet);
  }
  return fleet;
}

function indexFleet(hosts: ChronyHost[]): Fleet {
  const incoming = new Map<ChronyHost, IncomingSource[]>();
  const byNtpEndpoint = new Map<string, ChronyHost>();
  const byNtpAddress = new Map<string, ChronyHost>();
  const byTarget = new Map<string, ChronyHost>();
  const byName = new Map<string, ChronyHost>();
  for (const host of hosts) {
    const target = `${host.target.address}:${host.target.port}`;
    const other = byTarget.get(target);
    if (other) {
      throw new ConfigError(`hosts ${other.node.path} and ${host.node.path} have the same SSH target ${target}: each host needs its own address or port`);
    }
    byTarget.set(target, host);
    const ntp = `${host.ntpAddress}:${host.profile.ntpPort}`;
    const sameNtp = byNtpEndpoint.get(ntp);
    if (sameNtp) {
      throw new ConfigError(`hosts ${sameNtp.node.path} and ${host.node.path} have the same NTP address ${ntp}: set ntpAddress`);
    }
    byNtpEndpoint.set(ntp, host);
    byNtpAddress.set(host.ntpAddress, host);
    const nameKey = `${host.stackName}/${host.hostName}`;
    if (byName.has(nameKey)) {
      throw new ConfigError(`two hosts are named '${host.hostName}' in stack ${host.stackName} (${byName.get(nameKey)!.node.path} and ${host.node.path}): set hostName`);
    }
    byName.set(nameKey, host);
  }
  for (const host of hosts) {
    for (const source of host.sources) {
      if (ChronyHost.isChronyHost(source.target)) {
        const list = incoming.get(source.target) ?? [];
        list.push({ from: host, source });
        incoming.set(source.target, list);
      }
    }
  }
  checkPeerKeys(hosts);
  return {
    hosts,
    incoming,
    byNtpAddress,
    keysById: keysById(hosts),
  };
}

/** Both ends of a peering must name the same key (chrony authenticates symmetric mode both ways). */
function checkPeerKeys(hosts: ChronyHost[]): void {
  for (const a of hosts) {
    for (const s of a.sources) {
      if (s.kind !== "peer" || !ChronyHost.isChronyHost(s.target)) continue;
      const b = s.target;
      const back = b.sources.find((t) => t.kind === "peer" && t.target === a);
      if (!back) continue;
      const ka = s.options.key ? keyUseOf(s.options.key).keyOnSources.keyId : undefined;
      const kb = back.options.key ? keyUseOf(back.options.key).keyOnSources.keyId : undefined;
      if (ka !== kb) {
        throw new ConfigError(
          `peers ${a.hostName} and ${b.hostName} use different keys (${ka ?? "none"} and ${kb ?? "none"}): symmetric peers must use the same key on both sides (ChronyHost.peer(a, b, { key }) does that)`,
        );
      }
    }
  }
}

function keysById(hosts: ChronyHost[]): Map<number, NtpKey[]> {
  const byId = new Map<number, NtpKey[]>();
  const visit = (key: NtpKey) => {
    const list = byId.get(key.keyId) ?? [];
    if (!list.includes(key)) list.push(key);
    byId.set(key.keyId, list);
  };
  for (const host of hosts) {
    for (const k of host.props.keys ?? []) keyUseOf(k).keysToHold.forEach(visit);
    if (host.props.commandKey) visit(host.props.commandKey);
    for (const s of host.sources) if (s.options.key) keyUseOf(s.options.key).keysToHold.forEach(visit);
  }
  return byId;
}
