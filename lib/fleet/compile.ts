import { isIP } from "node:net";
import type { FingerprintSaltSpec } from "../keys/fingerprint";
import { HostManifest, ManifestKey, MANIFEST_SCHEMA, RotationStatus } from "../manifest/schema";
import { ChronyConfig } from "../model/chrony-config";
import { ConfigError } from "../model/config-error";
import { Directive, directive } from "../model/directive";
import { sourceDirective } from "../model/areas/sources";
import { hostOrAddress, isProblem } from "../model/tokens";
import { checkHostConfig } from "../model/validate-config";
import { validateDirective } from "../model/validate-directive";
import { renderHostFiles } from "../render/host-files";
import { sha256Hex } from "../sha256";
import { FleetDeclaration, HostDeclaration, KeyDeclaration, KeyUseRef, RotationDeclaration, SourceDeclaration } from "./declaration";
import { checkRollouts, orderPushes } from "./order";
import { hostFirewall } from "./firewall";
import { NtsDistribution, NtsMaterial, ntsPortOf } from "./nts";

/** Reads key material only to fingerprint it; the compiler never sees the material. */
export interface KeyFingerprints {
  /** Where apply and drift find the salt again (it goes into every manifest). */
  readonly saltSpec: FingerprintSaltSpec;
  /** The key's keyed fingerprint and the problems chronyd would log about it. */
  fingerprint(key: KeyDeclaration): { readonly fingerprint: string; readonly warnings: readonly string[] };
}

export interface CompiledHost {
  readonly ref: string;
  readonly id: string;
  readonly stack: string;
  readonly manifest: HostManifest;
  /** What the host's push resource puts in its triggers: digests only. */
  readonly triggers: Readonly<Record<string, string>>;
  /** Advice that does not stop synth (wide cmdallow, short keys...), each naming the host. */
  readonly warnings: readonly string[];
  /** Refs of the hosts (same stack) whose push resources run before this host's: its servers (see orderPushes). */
  readonly after: readonly string[];
}

export interface CompiledFleet {
  /** Sorted by stack, then host name. */
  readonly hosts: readonly CompiledHost[];
  readonly byRef: ReadonlyMap<string, CompiledHost>;
}

export interface CompileOptions {
  /** Who writes the manifests, e.g. "cdktf-chrony 0.2.0". */
  readonly generator: string;
  /** Issues and reads NTS certificates (needed when the fleet declares any). @default - none */
  readonly nts?: NtsMaterial;
}

/**
 * Turns the fleet's declarations into each host's manifest and triggers: resolves sources that
 * point at other hosts, distributes keys to exactly the hosts that use them, runs the checks that
 * span hosts, and renders every host's files. Pure: the same declarations give the same output.
 * Throws ConfigError with the fix on the first problem.
 */
export function compileFleet(fleet: FleetDeclaration, keys: KeyFingerprints, options: CompileOptions): CompiledFleet {
  const hosts = compileFleetEach(fleet, keys, options, (h) => h);
  hosts.sort((a, b) => compareText(a.stack, b.stack) || compareText(a.id, b.id));
  return { hosts, byRef: new Map(hosts.map((h) => [h.ref, h])) };
}

/**
 * compileFleet, handing each host to `each` as soon as it is compiled and keeping only what `each`
 * returns (in declaration order): a caller that keeps a serialized manifest rather than the objects
 * holds far less memory for a large fleet.
 */
export function compileFleetEach<T>(fleet: FleetDeclaration, keys: KeyFingerprints, options: CompileOptions, each: (host: CompiledHost) => T): T[] {
  const index = indexFleet(fleet);
  const fingerprints = memoizeFingerprints(keys);
  checkPeerKeys(index);
  checkKeyIdsAcrossFleet(index, fingerprints);
  const rollouts = fleet.rollouts ?? [];
  checkRollouts(index.hosts, rollouts);
  const order = orderPushes(index.hosts, rollouts);
  const nts = new NtsDistribution(fleet, index.hosts, options.nts);
  return fleet.hosts.map((h) => each(compileHost(h, index, fingerprints, keys.saltSpec, options.generator, nts, order.after.get(h.ref) ?? [])));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A source of another host that points at this one (so this host must hold its keys). */
interface IncomingSource {
  readonly from: HostDeclaration;
  readonly source: SourceDeclaration;
}

interface FleetIndex {
  readonly hosts: ReadonlyMap<string, HostDeclaration>;
  readonly keys: ReadonlyMap<string, KeyDeclaration>;
  readonly rotations: ReadonlyMap<string, RotationDeclaration>;
  readonly incoming: ReadonlyMap<string, readonly IncomingSource[]>;
  readonly byNtpAddress: ReadonlyMap<string, HostDeclaration>;
}

function indexFleet(fleet: FleetDeclaration): FleetIndex {
  const hosts = uniqueByRef(fleet.hosts, "host");
  const keys = uniqueByRef(fleet.keys, "key");
  const rotations = uniqueByRef(fleet.rotations, "key rotation");
  for (const r of rotations.values()) {
    for (const k of [r.from, r.to]) if (!keys.has(k)) throw new ConfigError(`key rotation ${r.ref} names key ${k}, which is not declared in the app`);
  }
  const byTarget = new Map<string, HostDeclaration>();
  const byNtpEndpoint = new Map<string, HostDeclaration>();
  const byNtpAddress = new Map<string, HostDeclaration>();
  const byName = new Map<string, HostDeclaration>();
  for (const host of hosts.values()) {
    // Behind different jump hosts, one address may be two hosts (e.g. 10.0.0.1 at two sites).
    const route = (host.target.jump ?? []).map((h) => `${h.address}:${h.port} > `).join("");
    const target = `${route}${host.target.address}:${host.target.port}`;
    const other = byTarget.get(target);
    if (other)
      throw new ConfigError(`hosts ${other.ref} and ${host.ref} have the same SSH target ${target}: each host needs its own address or port`);
    byTarget.set(target, host);
    const ntp = `${host.ntpAddress}:${host.profile.ntpPort}`;
    const sameNtp = byNtpEndpoint.get(ntp);
    if (sameNtp) throw new ConfigError(`hosts ${sameNtp.ref} and ${host.ref} have the same NTP address ${ntp}: set ntpAddress`);
    byNtpEndpoint.set(ntp, host);
    byNtpAddress.set(host.ntpAddress, host);
    const nameKey = `${host.stack}/${host.id}`;
    const sameName = byName.get(nameKey);
    if (sameName) throw new ConfigError(`two hosts are named '${host.id}' in stack ${host.stack} (${sameName.ref} and ${host.ref}): set hostName`);
    byName.set(nameKey, host);
  }
  const incoming = new Map<string, IncomingSource[]>();
  for (const host of hosts.values()) {
    for (const source of host.sources) {
      if (source.key) checkKeyUse(source.key, host, keys, rotations);
      if (!("host" in source.to)) continue;
      if (!hosts.has(source.to.host)) {
        throw new ConfigError(`host ${host.id}: its ${source.kind} ${source.to.host} is not a host of this app (did its constructor fail?)`);
      }
      const list = incoming.get(source.to.host) ?? [];
      list.push({ from: host, source });
      incoming.set(source.to.host, list);
    }
    for (const use of host.keys) checkKeyUse(use, host, keys, rotations);
    if (host.commandKey !== undefined && !keys.has(host.commandKey))
      throw new ConfigError(`host ${host.id}: its commandKey ${host.commandKey} is not declared in the app`);
  }
  return { hosts, keys, rotations, incoming, byNtpAddress };
}

function uniqueByRef<T extends { readonly ref: string }>(items: readonly T[], what: string): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) {
    if (map.has(item.ref)) throw new ConfigError(`two ${what}s have the same ref '${item.ref}': each needs its own`);
    map.set(item.ref, item);
  }
  return map;
}

function checkKeyUse(
  use: KeyUseRef,
  host: HostDeclaration,
  keys: ReadonlyMap<string, KeyDeclaration>,
  rotations: ReadonlyMap<string, RotationDeclaration>,
): void {
  const known = "key" in use ? keys.has(use.key) : rotations.has(use.rotation);
  if (!known)
    throw new ConfigError(`host ${host.id}: ${"key" in use ? `key ${use.key}` : `key rotation ${use.rotation}`} is not declared in the app`);
}

/** The keys a use makes a host hold, and the one its source line names. */
interface ResolvedKeyUse {
  readonly hold: readonly KeyDeclaration[];
  readonly onSources: KeyDeclaration;
  readonly rotation?: RotationDeclaration;
}

function resolveKeyUse(use: KeyUseRef, index: FleetIndex): ResolvedKeyUse {
  if ("key" in use) {
    const key = index.keys.get(use.key)!;
    return { hold: [key], onSources: key };
  }
  const rotation = index.rotations.get(use.rotation)!;
  const from = index.keys.get(rotation.from)!;
  const to = index.keys.get(rotation.to)!;
  // ADD: both held, sources on the old key; SWITCH: both held, sources on the new; RETIRE: only the new.
  return { hold: rotation.phase === "retire" ? [to] : [from, to], onSources: rotation.phase === "add" ? from : to, rotation };
}

type Fingerprints = (key: KeyDeclaration) => { readonly fingerprint: string; readonly warnings: readonly string[] };

function memoizeFingerprints(keys: KeyFingerprints): Fingerprints {
  const memo = new Map<KeyDeclaration, { fingerprint: string; warnings: readonly string[] }>();
  return (key) => {
    let found = memo.get(key);
    if (!found) {
      found = keys.fingerprint(key);
      memo.set(key, found);
    }
    return found;
  };
}

/** Both ends of a peering must name the same key: chrony authenticates symmetric mode both ways. */
function checkPeerKeys(index: FleetIndex): void {
  for (const a of index.hosts.values()) {
    for (const s of a.sources) {
      if (s.kind !== "peer" || !("host" in s.to)) continue;
      const b = index.hosts.get(s.to.host)!;
      const back = b.sources.find((t) => t.kind === "peer" && "host" in t.to && t.to.host === a.ref);
      if (!back) continue;
      const ka = s.key ? resolveKeyUse(s.key, index).onSources.keyId : undefined;
      const kb = back.key ? resolveKeyUse(back.key, index).onSources.keyId : undefined;
      if (ka !== kb) {
        throw new ConfigError(
          `peers ${a.id} and ${b.id} use different keys (${ka ?? "none"} and ${kb ?? "none"}): symmetric peers must use the same key on both sides (ChronyHost.peer(a, b, { key }) does that)`,
        );
      }
    }
  }
}

/** One key ID names one material across the fleet: chrony.keys on two hosts must agree. */
function checkKeyIdsAcrossFleet(index: FleetIndex, fingerprints: Fingerprints): void {
  const used = new Set<KeyDeclaration>();
  const note = (use: KeyUseRef | undefined) => {
    if (use) for (const k of resolveKeyUse(use, index).hold) used.add(k);
  };
  for (const host of index.hosts.values()) {
    host.keys.forEach(note);
    for (const s of host.sources) note(s.key);
    if (host.commandKey !== undefined) used.add(index.keys.get(host.commandKey)!);
  }
  const byId = new Map<number, KeyDeclaration>();
  for (const key of [...used].sort((a, b) => compareText(a.ref, b.ref))) {
    const other = byId.get(key.keyId);
    if (other && fingerprints(other).fingerprint !== fingerprints(key).fingerprint) {
      throw new ConfigError(
        `key ID ${key.keyId} has two different materials (${other.ref} and ${key.ref}): a key ID must name one key across the fleet; give one of them a new keyId`,
      );
    }
    if (!other) byId.set(key.keyId, key);
  }
}

function compileHost(
  host: HostDeclaration,
  index: FleetIndex,
  fingerprints: Fingerprints,
  saltSpec: FingerprintSaltSpec,
  generator: string,
  nts: NtsDistribution,
  after: readonly string[],
): CompiledHost {
  const held = new Map<number, KeyDeclaration>();
  const rotations = new Set<RotationDeclaration>();
  const hold = (key: KeyDeclaration) => {
    const other = held.get(key.keyId);
    if (other && other !== key && fingerprints(other).fingerprint !== fingerprints(key).fingerprint) {
      throw new ConfigError(
        `host ${host.id} would hold two different keys with ID ${key.keyId} (${other.ref} and ${key.ref}): one key ID, one material; give the new key its own keyId`,
      );
    }
    held.set(key.keyId, other ?? key);
  };
  const noteUse = (use: KeyUseRef | undefined) => {
    if (!use) return;
    const resolved = resolveKeyUse(use, index);
    if (resolved.rotation) rotations.add(resolved.rotation);
    resolved.hold.forEach(hold);
  };
  host.keys.forEach(noteUse);
  if (host.commandKey !== undefined) hold(index.keys.get(host.commandKey)!);
  for (const s of host.sources) noteUse(s.key);
  for (const incoming of index.incoming.get(host.ref) ?? []) noteUse(incoming.source.key);

  const sourceLines = host.sources.map((s) => sourceLine(host, s, index));
  const hostNts = nts.forHost(host, sourceLines, index.byNtpAddress);
  const extra: Directive[] = [
    ...(host.commandKey !== undefined ? [directive("commandkey", index.keys.get(host.commandKey)!.keyId)] : []),
    ...hostNts.directives,
  ];
  const config: ChronyConfig = {
    ...host.config,
    sources: [...host.config.sources, ...sourceLines],
    directives: [...host.config.directives, ...extra],
  };
  const check = checkHostConfig(config, host.profile, new Set(held.keys()), host.id);
  checkServedPort(host, [...check.composed.base, ...check.composed.host], index);

  const keyEntries: ManifestKey[] = [...held.values()]
    .sort((a, b) => a.keyId - b.keyId)
    .map((key) => ({ id: key.keyId, type: key.type, fingerprint: fingerprints(key).fingerprint, source: key.source, name: key.ref }));
  const warnings = [
    ...check.warnings,
    ...[...held.values()].flatMap((k) => fingerprints(k).warnings.map((w) => `host ${host.id}: ${w}`)),
    ...hostNts.warnings,
  ];

  const firewall = hostFirewall(host, [...check.composed.base, ...check.composed.host], config.sources);
  const files = [...renderHostFiles(config, host.profile, { composed: check.composed }), ...hostNts.files, ...(firewall ? [firewall.file] : [])];
  const p = host.profile;
  const filesDigest = sha256Hex(files.map((f) => `${f.path}\0${f.mode}\0${f.owner}\0${f.content}`).join("\0"));
  const keysDigest = sha256Hex(
    [
      p.keysPath,
      p.keysOwner,
      p.keysGroup,
      p.keysMode,
      host.undeclaredKeys ?? "refuse",
      ...keyEntries.map((k) => `${k.id}:${k.type}:${k.fingerprint}`),
    ].join("\0"),
  );
  const manifest: HostManifest = {
    schema: MANIFEST_SCHEMA,
    id: host.id,
    generator,
    stack: host.stack,
    target: host.target,
    profile: host.profile,
    chronyVersion: config.version.text,
    files,
    keys: {
      path: p.keysPath,
      owner: p.keysOwner,
      group: p.keysGroup,
      mode: p.keysMode,
      entries: keyEntries,
      undeclared: host.undeclaredKeys ?? "refuse",
    },
    fingerprintSalt: saltSpec,
    reloadPolicy: host.reloadPolicy,
    verify: {
      sources: host.sources.map((s, i) => ({
        kind: s.kind,
        name: sourceLines[i].args[0],
        ...(s.key ? { keyId: resolveKeyUse(s.key, index).onSources.keyId } : {}),
        nts: s.options.nts === true,
        ...(hostNts.sourceProblems[i] !== undefined ? { ntsProblem: hostNts.sourceProblems[i] } : {}),
      })),
      ...(host.verify.cmdEndpoint !== undefined ? { cmdEndpoint: parseCmdEndpoint(host, host.verify.cmdEndpoint) } : {}),
      requireSynchronised: host.verify.requireSynchronised ?? false,
      timeoutSeconds: host.verify.timeoutSeconds ?? defaultVerifyTimeout(host),
    },
    rotations: [...rotations].map((r): RotationStatus => ({
      name: r.ref,
      phase: r.phase,
      fromKeyId: index.keys.get(r.from)!.keyId,
      toKeyId: index.keys.get(r.to)!.keyId,
    })),
    ...(hostNts.manifest ? { nts: hostNts.manifest } : {}),
    ...(firewall ? { firewall: firewall.manifest } : {}),
    warnings,
    digests: { files: filesDigest, keys: keysDigest, ...(hostNts.digest ? { nts: hostNts.digest } : {}) },
  };
  return {
    ref: host.ref,
    id: host.id,
    stack: host.stack,
    manifest,
    triggers: {
      files: filesDigest,
      keys: keysDigest,
      ...(hostNts.digest ? { nts: hostNts.digest } : {}),
      target: `${host.target.user}@${host.target.address}:${host.target.port}`,
    },
    warnings,
    after,
  };
}

/**
 * Hosts that point at this one use its profile's ntpPort: a `port` line (a prop replacing the
 * profile's) that serves elsewhere would leave them asking the wrong port.
 */
function checkServedPort(host: HostDeclaration, lines: readonly Directive[], index: FleetIndex): void {
  const port = lines.filter((d) => d.name.toLowerCase() === "port").at(-1)?.args[0];
  const clients = index.incoming.get(host.ref) ?? [];
  if (port === undefined || Number(port) === host.profile.ntpPort || clients.length === 0) return;
  throw new ConfigError(
    `host ${host.id} serves NTP on port ${port}, but ${clients[0].from.id} reaches it on its profile's ntpPort ${host.profile.ntpPort}: set the profile's ntpPort to ${port} (e.g. { ...HostProfiles.debian(), ntpPort: ${port} }), or drop the port prop`,
  );
}

/** The source line: a fleet host's NTP address, port and key follow; an outside address is as given. */
function sourceLine(host: HostDeclaration, s: SourceDeclaration, index: FleetIndex): Directive {
  if (s.line !== undefined) {
    if ("address" in s.to && s.key !== undefined) checkAddressOfFleetHost(host, s, s.to.address, resolveKeyUse(s.key, index).onSources.keyId, index);
    return s.line;
  }
  const line = unvalidatedSourceLine(host, s, index);
  validateDirective(line, host.config.version, `host ${host.id}`);
  return line;
}

function unvalidatedSourceLine(host: HostDeclaration, s: SourceDeclaration, index: FleetIndex): Directive {
  const keyId = s.key ? resolveKeyUse(s.key, index).onSources.keyId : undefined;
  if ("host" in s.to) {
    const target = index.hosts.get(s.to.host)!;
    const port = s.options.port ?? (target.profile.ntpPort !== 123 ? target.profile.ntpPort : undefined);
    // An NTS source follows the target's NTS-KE port too.
    const ntsPort = s.options.ntsPort ?? (s.options.nts ? ntsPortOf(target) : undefined);
    return sourceDirective(s.kind, target.ntpAddress, { ...s.options, port, ntsPort, keyId });
  }
  if (keyId !== undefined) checkAddressOfFleetHost(host, s, s.to.address, keyId, index);
  return sourceDirective(s.kind, s.to.address, { ...s.options, keyId });
}

/** An address that belongs to a host of the fleet: its keys must follow, which only a reference does. */
function checkAddressOfFleetHost(host: HostDeclaration, s: SourceDeclaration, address: string, keyId: number, index: FleetIndex): void {
  const known = index.byNtpAddress.get(address);
  if (known) {
    throw new ConfigError(
      `host ${host.id}: ${s.kind} ${address} is host ${known.id} of this app, named by address, so key ${keyId} is not distributed to it: pass the ChronyHost (host.add${s.kind === "peer" ? "Peer" : "Server"}(${known.id}, { key })) instead of its address`,
    );
  }
}

function parseCmdEndpoint(host: HostDeclaration, text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text);
  const address = match?.[1] ?? match?.[2];
  const port = match?.[3] !== undefined ? Number(match[3]) : host.profile.cmdPort;
  if (
    !match ||
    address === undefined ||
    (match[1] !== undefined && isIP(match[1]) !== 6) ||
    isProblem(hostOrAddress(address)) ||
    port < 1 ||
    port > 65535
  ) {
    throw new ConfigError(`host ${host.id}: invalid verify.cmdEndpoint '${text}': use "host:port" or "[ipv6]:port" with a port from 1 to 65535`);
  }
  return { host: address, port };
}

/** 30 s covers iburst; a peer has no iburst, and its first exchange can take two of its polling intervals. */
function defaultVerifyTimeout(host: HostDeclaration): number {
  const peerPolls = host.sources.filter((s) => s.kind === "peer").map((s) => 2 * 2 ** (s.options.minPoll ?? 6) + 10);
  return Math.max(30, ...peerPolls);
}
