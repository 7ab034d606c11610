import { createHash } from "node:crypto";
import { ExpectedSource, HostManifest, MANIFEST_SCHEMA, ManifestKey, RotationStatus } from "../lib/deploy/manifest";
import { ChronyConfig } from "../lib/model/chrony-config";
import { checkHostConfig } from "../lib/model/validate-config";
import { ConfigError } from "../lib/model/config-error";
import { Directive } from "../lib/model/directive";
import { sourceDirective } from "../lib/model/areas/sources";
import { renderHostFiles } from "../lib/render/host-files";
import { bundleLine } from "../lib/deploy/manifest-bundle";
import { Annotations } from "./cdk";
import { ChronyHost, HostSource } from "./chrony-host";
import { fleetOf } from "./fleet";
import { keyCacheFor } from "./key-material-cache";
import { KeyRotation, keyUseOf } from "./key-rotation";
import { NtpKey } from "./ntp-key";

export interface ResolvedHost {
  /**
   * The manifest as its bundle line. Kept as a string, not an object, until the bundle is written:
   * thousands of live manifest objects would make synth spend its time in the garbage collector.
   */
  readonly manifestLine: string;
  /** Digests only: what the push resource's triggers hold. */
  readonly triggers: Record<string, string>;
}

const RESOLVED = new WeakMap<ChronyHost, ResolvedHost>();

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Resolves a host once per synth: sources across the fleet, keys to hold, files, manifest. */
export function resolveHost(host: ChronyHost): ResolvedHost {
  const cached = RESOLVED.get(host);
  if (cached) return cached;
  const fleet = fleetOf(host);
  const keyCache = keyCacheFor(host.node.root);
  const held = new Map<number, NtpKey>();
  const hold = (key: NtpKey) => {
    const other = held.get(key.keyId);
    if (other && other !== key && keyCache.resolve(other).fingerprint !== keyCache.resolve(key).fingerprint) {
      throw new ConfigError(
        `host ${host.hostName} would hold two different keys with ID ${key.keyId} (${other.node.path} and ${key.node.path}): one key ID, one material; give the new key its own keyId`,
      );
    }
    held.set(key.keyId, other ?? key);
  };
  const rotations = new Set<KeyRotation>();
  const noteUse = (use: NtpKey | KeyRotation | undefined) => {
    if (!use) return;
    if (KeyRotation.isKeyRotation(use)) rotations.add(use);
    keyUseOf(use).keysToHold.forEach(hold);
  };
  for (const k of host.props.keys ?? []) noteUse(k);
  if (host.props.commandKey) hold(host.props.commandKey);
  for (const s of host.sources) noteUse(s.options.key);
  for (const incoming of fleet.incoming.get(host) ?? []) noteUse(incoming.source.options.key);

  const sourceLines: Directive[] = host.sources.map((s) => sourceLine(host, s, fleet.byNtpAddress));
  // Each line was checked by addSource; what differs here (a host's ntpAddress and NTP port, a key
  // ID) was checked where it was set, so the lines need no second pass.
  const config: ChronyConfig = { ...host.baseConfig, sources: [...host.baseConfig.sources, ...sourceLines] };
  const extra: Directive[] = host.props.commandKey ? [{ name: "commandkey", args: [String(host.props.commandKey.keyId)] }] : [];
  const fullConfig = extra.length > 0 ? { ...config, directives: [...config.directives, ...extra] } : config;
  const check = checkHostConfig(fullConfig, host.profile, new Set(held.keys()), host.hostName);

  const keyEntries: ManifestKey[] = [...held.values()]
    .sort((a, b) => a.keyId - b.keyId)
    .map((key) => {
      const resolved = keyCache.resolve(key);
      for (const other of fleet.keysById.get(key.keyId) ?? []) {
        if (other !== key && keyCache.resolve(other).fingerprint !== resolved.fingerprint) {
          throw new ConfigError(
            `key ID ${key.keyId} has two different materials (${key.node.path} and ${other.node.path}): a key ID must name one key across the fleet; give one of them a new keyId`,
          );
        }
      }
      return { id: key.keyId, type: key.type, fingerprint: resolved.fingerprint, source: key.source, name: key.node.path };
    });
  const warnings = [
    ...check.warnings,
    ...[...held.values()].flatMap((k) => keyCache.resolve(k).warnings.map((w) => `host ${host.hostName}: ${w}`)),
  ];
  for (const w of warnings) Annotations.of(host).addWarning(w);

  const files = renderHostFiles(fullConfig, host.profile);
  const filesDigest = sha256(files.map((f) => `${f.path}\0${f.mode}\0${f.content}`).join("\0"));
  const keysDigest = sha256(
    [host.profile.keysPath, host.profile.keysOwner, host.profile.keysGroup, host.profile.keysMode, ...keyEntries.map((k) => `${k.id}:${k.type}:${k.fingerprint}`)].join("\0"),
  );
  const verify = host.props.verify ?? {};
  const manifest: HostManifest = {
    schema: MANIFEST_SCHEMA,
    id: host.hostName,
    stack: host.stackName,
    target: host.target,
    profile: host.profile,
    chronyVersion: config.version.text,
    files,
    keys: {
      path: host.profile.keysPath,
      owner: host.profile.keysOwner,
      group: host.profile.keysGroup,
      mode: host.profile.keysMode,
      entries: keyEntries,
    },
    fingerprintSalt: keyCache.saltSpec,
    reloadPolicy: host.props.reloadPolicy ?? "least-disruptive",
    verify: {
      sources: host.sources.map((s, i) => expectedSource(s, sourceLines[i])),
      cmdEndpoint: verify.cmdEndpoint ? parseEndpoint(host, verify.cmdEndpoint) : undefined,
      requireSynchronised: verify.requireSynchronised ?? false,
      timeoutSeconds: verify.timeoutSeconds ?? defaultVerifyTimeout(host),
    },
    rotations: [...rotations].map(
      (r): RotationStatus => ({ name: r.node.path, phase: r.phase, fromKeyId: r.from.keyId, toKeyId: r.to.keyId }),
    ),
    warnings,
    digests: { files: filesDigest, keys: keysDigest },
  };
  const resolved: ResolvedHost = {
    manifestLine: bundleLine(manifest),
    triggers: {
      files: filesDigest,
      keys: keysDigest,
      target: `${host.target.user}@${host.target.address}:${host.target.port}`,
    },
  };
  RESOLVED.set(host, resolved);
  return resolved;
}

function sourceLine(host: ChronyHost, s: HostSource, byNtpAddress: ReadonlyMap<string, ChronyHost>): Directive {
  const { key, ...options } = s.options;
  const keyId = key ? keyUseOf(key).keyOnSources.keyId : undefined;
  if (ChronyHost.isChronyHost(s.target)) {
    const port = options.port ?? (s.target.profile.ntpPort !== 123 ? s.target.profile.ntpPort : undefined);
    return sourceDirective(s.kind, s.target.ntpAddress, { ...options, port, keyId });
  }
  // An address that belongs to a host of the app: its keys must follow, which only a ChronyHost reference does.
  const known = byNtpAddress.get(s.target);
  if (known && keyId !== undefined) {
    throw new ConfigError(
      `host ${host.hostName}: ${s.kind} ${s.target} is host ${known.hostName} of this app, named by address, so key ${keyId} is not distributed to it: pass the ChronyHost (host.add${s.kind === "peer" ? "Peer" : "Server"}(${known.hostName}, { key })) instead of its address`,
    );
  }
  return sourceDirective(s.kind, s.target, { ...options, keyId });
}

function expectedSource(s: HostSource, line: Directive): ExpectedSource {
  const key = s.options.key ? keyUseOf(s.options.key).keyOnSources.keyId : undefined;
  return { kind: s.kind, name: line.args[0], keyId: key, nts: s.options.nts === true };
}

function parseEndpoint(host: ChronyHost, text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(text);
  if (!match) throw new ConfigError(`host ${host.hostName}: invalid verify.cmdEndpoint '${text}': use "host:port" or "[ipv6]:port"`);
  return { host: match[1] ?? match[2], port: match[3] ? Number(match[3]) : host.profile.cmdPort };
}

/** 30 s covers iburst; a peer's first exchange can take two of its polling intervals. */
function defaultVerifyTimeout(host: ChronyHost): number {
  const peerPolls = host.sources.filter((s) => s.kind === "peer").map((s) => 2 * 2 ** (s.options.minPoll ?? 6) + 10);
  return Math.max(30, ...peerPolls);
}
