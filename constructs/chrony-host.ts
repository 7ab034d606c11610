import * as v from "valibot";
import { HostDeclaration, KeyUseRef, SourceDeclaration, VerifyDeclaration } from "../lib/fleet";
import {
  ReloadPolicy,
  RELOAD_POLICIES,
  SSH_CONFIG_FIELDS,
  SshHopSpec,
  SshTargetSpec,
  UndeclaredKeyPolicy,
  UNDECLARED_KEY_POLICIES,
  hostKeyPolicySchema,
} from "../lib/manifest";
import { ChronyConfig, ChronyConfigProps, buildChronyConfig } from "../lib/model/chrony-config";
import { ConfigError } from "../lib/model/config-error";
import { Directive, hasControlCharacters } from "../lib/model/directive";
import { NtpSourceOptions, PoolOptions, SourceKind, sourceDirective } from "../lib/model/areas/sources";
import { HostProfile, checkHostProfile, describeIssue } from "../lib/model/profiles/host-profile";
import { hostOrAddress, isProblem } from "../lib/model/tokens";
import { validateDirective } from "../lib/model/validate-directive";
import { ChronyVersion, DEFAULT_CHRONY_VERSION, isAtLeast, parseChronyVersion } from "../lib/model/version";
import { defaultApplyCommand } from "./apply-command";
import { Annotations, Construct, TerraformStack } from "./cdk";
import { Firewall } from "./firewall";
import { CompiledEntry, FleetRegistry } from "./fleet-registry";
import { HostKeyPolicy } from "./host-key-policy";
import { HostProfiles } from "./host-profiles";
import { KeyRotation, RotationPhase } from "./key-rotation";
import { NtpKey } from "./ntp-key";
import { NtsCertificate } from "./nts-certificate";
import { NtsCertificateAuthority } from "./nts-certificate-authority";
import { PushResource, PushResourceType } from "./push-resource";
import { StackManifests } from "./stack-manifests";

/** A jump host (bastion) between the controller and the target, as OpenSSH's ProxyJump. */
export interface SshJumpHost {
  /** Hostname or IP address, as the controller (or the jump host before it) reaches it. */
  readonly address: string;
  /** @default 22 */
  readonly port?: number;
  /** @default - the target's user */
  readonly user?: string;
  /** @default - the target's privateKeyPath (or the ssh-agent) */
  readonly privateKeyPath?: string;
  /** @default - the target's hostKey when it is a known_hosts file, else HostKeyPolicy.knownHosts() */
  readonly hostKey?: SshTargetSpec["hostKey"];
}

/** How to reach a host over SSH. */
export interface SshTarget {
  /** Hostname or IP address for SSH. */
  readonly address: string;
  /** @default 22 */
  readonly port?: number;
  /** @default "root" */
  readonly user?: string;
  /** `~/` is the deploying user's home; a relative path is in the project folder. @default - the ssh-agent at SSH_AUTH_SOCK */
  readonly privateKeyPath?: string;
  /** @default HostKeyPolicy.knownHosts() (~/.ssh/known_hosts, no trust on first use) */
  readonly hostKey?: SshTargetSpec["hostKey"];
  /** Run privileged commands with `sudo -n`. @default - true unless the user is root */
  readonly sudo?: boolean;
  /**
   * Jump hosts to go through, first to last (OpenSSH's ProxyJump, `ssh -J`): one bastion or a
   * chain. Each one's host key is checked like the target's, before logging in.
   * @default - a direct connection
   */
  readonly jump?: SshJumpHost | readonly SshJumpHost[];
  /**
   * Read an OpenSSH client config when connecting, for what this target leaves unset: HostName,
   * User, Port, IdentityFile, ProxyJump, UserKnownHostsFile and StrictHostKeyChecking (`address`
   * is matched against its Host lines; `no` is read as `accept-new`). `true` reads ~/.ssh/config of
   * whoever deploys; a string names another file. What is set here always wins.
   * @default false - the app alone says how to connect, so a deploy does not depend on an untracked file of the machine that runs it
   */
  readonly sshConfig?: boolean | string;
}

/** Source options as constructs take them: an NtpKey (or a rotation) instead of a bare key ID. */
export interface SourceOptions extends Omit<NtpSourceOptions, "keyId"> {
  /** Authenticate with this key; hosts on both ends get it in chrony.keys. @default - no key */
  readonly key?: NtpKey | KeyRotation;
}

export interface PoolSourceOptions extends SourceOptions, Pick<PoolOptions, "maxSources"> {}

/** A server or peer: another ChronyHost of the app (its address, port and keys follow) or an address. */
export type SourceTarget = ChronyHost | string;

export interface HostServerProps extends SourceOptions {
  /** An address or hostname, or another ChronyHost of the app. */
  readonly address: SourceTarget;
}

/** A pool: give its DNS name as `name` or, like a server, as `address` (exactly one of them). */
export interface HostPoolProps extends PoolSourceOptions {
  /** A DNS name that resolves to several servers, e.g. "2.debian.pool.ntp.org". @default - `address` */
  readonly name?: string;
  /** The same as `name`, for symmetry with servers and peers. @default - `name` */
  readonly address?: string;
}

/** What verify checks after a deploy, and how it reaches chronyd. */
export type VerifyProps = VerifyDeclaration;

export interface ChronyHostProps extends ChronyConfigProps {
  readonly target: SshTarget;
  /** @default HostProfiles.debian() */
  readonly profile?: HostProfile;
  /** Name in manifests and reports; unique within the stack. @default - the construct id */
  readonly hostName?: string;
  /**
   * The address other hosts of the app use to reach this one over NTP.
   * @default - target.address
   */
  readonly ntpAddress?: string;
  /** `server` lines. @default - none */
  readonly servers?: readonly HostServerProps[];
  /** `pool` lines. @default - none */
  readonly pools?: readonly HostPoolProps[];
  /** `peer` lines (symmetric mode). @default - none */
  readonly peers?: readonly HostServerProps[];
  /**
   * Keys the host holds besides those its own sources use and those its clients and peers use
   * towards it (those are distributed automatically). E.g. a key for clients outside the app.
   * @default - none
   */
  readonly keys?: ReadonlyArray<NtpKey | KeyRotation>;
  /** Only for chrony older than 2.2, which still had command authentication. @default - none */
  readonly commandKey?: NtpKey;
  /**
   * Makes the host an NTS server of the app: an NtsCertificateAuthority issues it a certificate for
   * its ntpAddress (what its clients connect to), or give an NtsCertificate. The private key is
   * written 0640 with the keys file's group; clients that use the host with `nts: true` trust the
   * issuing authority automatically, and follow its ntsPort.
   * @default - not an NTS server of the app (ntsServerKeys can still name files already on the host)
   */
  readonly ntsCertificate?: NtsCertificateAuthority | NtsCertificate;
  /**
   * Authorities this host trusts for NTS besides the issuers of the app's NTS servers it uses
   * (those are added automatically). `noSystemCert` drops the system CAs; it is never implied.
   * @default - none
   */
  readonly ntsTrustedAuthorities?: readonly NtsCertificateAuthority[];
  /**
   * Manage the host's firewall for chrony's ports: `Firewall.nftables()` opens exactly what
   * chrony.conf serves (`cmdAllow` networks on the command port when `bindCmdAddresses` is not
   * loopback-only, `allow` networks and peers on the NTP port, the NTS-KE port of an NTS server) in
   * a table of cdktf-chrony's own, loaded and rolled back with the configuration.
   * @default - none: the host's firewall is left alone
   */
  readonly firewall?: Firewall;
  /** @default PushResourceType.TERRAFORM_DATA */
  readonly pushResource?: PushResourceType;
  /** "least-disruptive" uses reload sources / rekey when enough; "restart" always restarts. @default "least-disruptive" */
  readonly reloadPolicy?: ReloadPolicy;
  /**
   * Keys already in the host's chrony.keys that the app does not declare (a host adopted from
   * another tool): "keep" carries them over, "remove" drops them. Unset, the first apply that finds
   * any stops before changing anything and lists their IDs.
   * @default - refuse: apply stops and names the undeclared key IDs
   */
  readonly undeclaredKeys?: Exclude<UndeclaredKeyPolicy, "refuse">;
  /** @default - sources present and reachable within 30 s, keyed sources authenticated */
  readonly verify?: VerifyProps;
  /**
   * The `cdktf-chrony` invocation the provisioner runs, for a CLI installed outside the project
   * (e.g. `["/opt/cdktf-chrony/bin/cdktf-chrony"]`); `apply --host ID chrony-hosts.jsonl` is appended.
   * @default - `node -e 'require("cdktf-chrony/cli")'`: the project's cdktf-chrony, found from the stack's folder at apply time
   */
  readonly applyCommand?: readonly string[];
}

/** A source as the host keeps it until synth: the target is a construct or an address. */
interface HostSource {
  readonly kind: SourceKind;
  readonly target: SourceTarget;
  readonly options: Omit<PoolOptions, "keyId">;
  readonly key?: NtpKey | KeyRotation;
  /** The line as it will be written, validated when the source was added (unless the compiler must complete it). */
  readonly line?: Directive;
}

const CHRONY_HOST_BRAND = Symbol.for("cdktf-chrony.ChronyHost");
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * One chrony host: its configuration, how to reach it, and the push resource that applies it
 * safely with `cdktf deploy`.
 */
export class ChronyHost extends Construct {
  public static isChronyHost(x: unknown): x is ChronyHost {
    return typeof x === "object" && x !== null && CHRONY_HOST_BRAND in x;
  }

  /** Peers two hosts with each other over one key. */
  public static peer(a: ChronyHost, b: ChronyHost, options: SourceOptions = {}): void {
    a.addPeer(b, options);
    b.addPeer(a, options);
  }

  /** The host's name in manifests, reports and CLI commands (`--host`). */
  public readonly hostName: string;
  /** Where the controller reaches the host over SSH. */
  public readonly target: SshTargetSpec;
  /** The address other hosts of the app reach this one by over NTP. */
  public readonly ntpAddress: string;
  public readonly profile: HostProfile;
  /** The Terraform resource whose provisioner applies the host's configuration. */
  public readonly push: PushResource;
  /** The certificate the host serves NTS with, if it is an NTS server of the app. */
  public readonly ntsCertificate?: NtsCertificate;

  private readonly version: ChronyVersion;
  private readonly config: ChronyConfig;
  private readonly props: ChronyHostProps;
  private readonly sourceList: HostSource[] = [];
  private readonly registry: FleetRegistry;
  private compiled?: CompiledEntry;
  private warned?: Set<string>;

  constructor(scope: Construct, id: string, props: ChronyHostProps) {
    super(scope, id);
    Object.defineProperty(this, CHRONY_HOST_BRAND, { value: true });
    this.hostName = props.hostName ?? id;
    if (!HOST_NAME.test(this.hostName)) {
      throw new ConfigError(
        `invalid host name '${this.hostName}': use letters, digits, '.', '_' and '-', starting with a letter or digit (it names the host in manifests and on the command line); set hostName`,
      );
    }
    this.props = props;
    this.registry = FleetRegistry.of(this);
    // Every check names the host, so an error in a fleet of thousands points at the right one.
    const checked = this.inHost(() => {
      const version = parseChronyVersion(props.chronyVersion ?? DEFAULT_CHRONY_VERSION);
      if (props.commandKey && isAtLeast(version, "2.2")) {
        throw new ConfigError(
          `commandKey is not supported by chrony ${version.text}: command authentication was removed in chrony 2.2; control command access with bindCmdAddresses (loopback and the Unix socket by default), cmdAllow/cmdDeny, and the Unix socket's permissions`,
        );
      }
      if (props.reloadPolicy !== undefined && !RELOAD_POLICIES.includes(props.reloadPolicy)) {
        throw new ConfigError(`invalid reloadPolicy '${String(props.reloadPolicy)}': use ${RELOAD_POLICIES.map((p) => `"${p}"`).join(" or ")}`);
      }
      checkVerifyProps(props.verify);
      if (props.firewall !== undefined && !Firewall.isFirewall(props.firewall)) {
        throw new ConfigError(
          `invalid firewall ${JSON.stringify(props.firewall)}: use Firewall.nftables(), or leave it out to leave the host's firewall alone`,
        );
      }
      if (props.undeclaredKeys !== undefined && !UNDECLARED_KEY_POLICIES.includes(props.undeclaredKeys)) {
        throw new ConfigError(`invalid undeclaredKeys '${String(props.undeclaredKeys)}': use "keep" or "remove"`);
      }
      const ntpAddress = props.ntpAddress ?? props.target?.address;
      if (typeof ntpAddress !== "string" || isProblem(hostOrAddress(ntpAddress))) {
        throw new ConfigError(`invalid ntpAddress '${String(ntpAddress)}': use the IP address or hostname other hosts reach it by`);
      }
      const profile = this.checkedProfile(props.profile ?? HostProfiles.debian({ chronyVersion: version.text }), version);
      return {
        version,
        // keyFile moves where the keys are written, so chrony.conf and chrony.keys stay one file.
        profile: props.keyFile !== undefined ? { ...profile, keysPath: props.keyFile } : profile,
        target: sshTarget(props.target),
        ntpAddress,
        config: buildChronyConfig(props),
      };
    });
    this.version = checked.version;
    this.profile = checked.profile;
    this.target = checked.target;
    this.ntpAddress = checked.ntpAddress;
    this.config = checked.config;
    this.ntsCertificate = this.inHost(() => {
      for (const a of props.ntsTrustedAuthorities ?? []) {
        if (!NtsCertificateAuthority.isNtsCertificateAuthority(a))
          throw new ConfigError("ntsTrustedAuthorities must hold NtsCertificateAuthority constructs");
      }
      const c = props.ntsCertificate;
      if (c === undefined || NtsCertificate.isNtsCertificate(c)) return c;
      if (!NtsCertificateAuthority.isNtsCertificateAuthority(c))
        throw new ConfigError("ntsCertificate must be an NtsCertificateAuthority (it issues one) or an NtsCertificate");
      return new NtsCertificate(this, "NtsCertificate", { authority: c });
    });
    for (const s of props.servers ?? []) this.addServer(s.address, s);
    for (const p of props.pools ?? []) this.addPool(poolName(this.hostName, p), p);
    for (const p of props.peers ?? []) this.addPeer(p.address, p);

    // Created last: a host whose props were refused leaves no resource behind.
    StackManifests.of(this);
    this.push = new PushResource(this, "Push", {
      hostName: this.hostName,
      type: props.pushResource ?? PushResourceType.TERRAFORM_DATA,
      applyCommand: props.applyCommand ?? defaultApplyCommand(),
      // cdktf resolves every resource once before the stacks' aspects run (prepareStack, looking for
      // cross-stack references); then the stack's hook has not handed the result over yet.
      triggers: () => this.compiledHost().triggers,
      // Servers of the same stack apply first (lib/fleet/order.ts says which, and why not peers), so
      // a client's first exchange (and first NTS-KE) meets a server that already has its config.
      after: () => this.compiledHost().after.map((ref) => this.registry.pushOf(ref)),
    });
    this.registry.registerHost({
      ref: this.node.path,
      stack: TerraformStack.of(this),
      push: this.push,
      declare: () => this.declaration(),
      receive: (compiled) => this.receive(compiled),
    });
  }

  /** Syncs to `target` as a client. A ChronyHost target serves this host: its address, port and the key follow. */
  public addServer(target: SourceTarget, options: SourceOptions = {}): void {
    this.addSource("server", target, options);
  }

  /** A symmetric peer. Both ends must use the same key: declare the peering on both hosts (or use ChronyHost.peer). */
  public addPeer(target: SourceTarget, options: SourceOptions = {}): void {
    this.addSource("peer", target, options);
  }

  /** A pool: a DNS name that resolves to several servers. */
  public addPool(name: string, options: PoolSourceOptions = {}): void {
    const { address, name: _name, ...rest } = options as HostPoolProps;
    void address;
    void _name;
    this.addSource("pool", name, rest);
  }

  private addSource(kind: SourceKind, target: SourceTarget, options: PoolSourceOptions): void {
    const isHost = ChronyHost.isChronyHost(target);
    const where = `host ${this.hostName}, ${kind} ${isHost ? target.hostName : String(target)}`;
    this.inHost(() => {
      if (isHost && target === this) throw new ConfigError(`a host cannot use itself as a ${kind}`);
      if (kind === "pool" && isHost) throw new ConfigError(`a pool is a DNS name, not a host: use addServer for ${target.hostName}`);
      if (!isHost && typeof target !== "string")
        throw new ConfigError(`a ${kind} is an address, a hostname or a ChronyHost, got ${JSON.stringify(target)}`);
      const { key, ...rest } = options;
      if (key !== undefined && !NtpKey.isNtpKey(key) && !KeyRotation.isKeyRotation(key)) {
        throw new ConfigError(`${where}: key must be an NtpKey or a KeyRotation`);
      }
      // The line as it will be written (the target host's address and NTP port, the key ID), checked
      // before the source is kept, so a bad option fails here with the real line in the message.
      const address = isHost ? target.ntpAddress : target;
      const port = isHost ? (rest.port ?? (target.profile.ntpPort !== 123 ? target.profile.ntpPort : undefined)) : rest.port;
      const line = sourceDirective(kind, address, { ...rest, port, keyId: key ? keyOnSources(key).keyId : undefined });
      try {
        validateDirective(line, this.version);
      } catch (err) {
        if (err instanceof ConfigError) throw new ConfigError(`${where}: ${err.message}`);
        throw err;
      }
      // An NTS source to a host of the app also follows the host's NTS-KE port, known at compile: that
      // line is built (and checked again) there.
      const final = isHost && rest.nts === true && rest.ntsPort === undefined ? undefined : line;
      this.sourceList.push({ kind, target, options: rest, key, line: final });
    });
    this.registry.changed();
  }

  /** The host as plain data for the fleet compiler. */
  private declaration(): HostDeclaration {
    const keyUse = (k: NtpKey | KeyRotation): KeyUseRef => (NtpKey.isNtpKey(k) ? { key: k.node.path } : { rotation: k.node.path });
    return {
      ref: this.node.path,
      id: this.hostName,
      stack: TerraformStack.of(this).node.id,
      target: this.target,
      profile: this.profile,
      ntpAddress: this.ntpAddress,
      config: this.config,
      sources: this.sourceList.map((s): SourceDeclaration => ({
        kind: s.kind,
        to: ChronyHost.isChronyHost(s.target) ? { host: s.target.node.path } : { address: s.target },
        options: s.options,
        ...(s.key ? { key: keyUse(s.key) } : {}),
        ...(s.line ? { line: s.line } : {}),
      })),
      keys: (this.props.keys ?? []).map(keyUse),
      ...(this.props.commandKey ? { commandKey: this.props.commandKey.node.path } : {}),
      reloadPolicy: this.props.reloadPolicy ?? "least-disruptive",
      ...(this.ntsCertificate || this.props.ntsTrustedAuthorities
        ? {
            nts: {
              ...(this.ntsCertificate ? { certificate: this.ntsCertificate.node.path } : {}),
              ...(this.props.ntsTrustedAuthorities ? { trustedAuthorities: this.props.ntsTrustedAuthorities.map((a) => a.node.path) } : {}),
            },
          }
        : {}),
      ...(this.props.undeclaredKeys ? { undeclaredKeys: this.props.undeclaredKeys } : {}),
      ...(this.props.firewall ? { firewall: this.props.firewall.declaration } : {}),
      verify: this.props.verify ?? {},
    };
  }

  private compiledHost(): CompiledEntry {
    if (!this.compiled) this.registry.handToStack(TerraformStack.of(this));
    return this.compiled!;
  }

  /** The compiled host, handed over at synth: triggers for the push resource, warnings for the user. */
  private receive(compiled: CompiledEntry): void {
    this.compiled = compiled;
    for (const w of compiled.warnings) {
      this.warned ??= new Set();
      if (this.warned.has(w)) continue;
      this.warned.add(w);
      Annotations.of(this).addWarning(w);
    }
  }

  /** Hosts with equal profiles share one checked profile, checked once. */
  private checkedProfile(profile: HostProfile, version: ChronyVersion): HostProfile {
    return this.registry.checkedProfile(profile, version.text, () => checkHostProfile(profile, version));
  }

  private inHost<T>(check: () => T): T {
    try {
      return check();
    } catch (err) {
      if (err instanceof ConfigError && !err.message.startsWith(`host ${this.hostName}`))
        throw new ConfigError(`host ${this.hostName}: ${err.message}`);
      throw err;
    }
  }
}

function poolName(hostName: string, p: HostPoolProps): string {
  const given = [p.name, p.address].filter((x) => x !== undefined);
  if (given.length !== 1 || typeof given[0] !== "string") {
    throw new ConfigError(
      `host ${hostName}: a pool needs its DNS name in exactly one of name or address, got ${JSON.stringify({ name: p.name, address: p.address })}: e.g. { name: "2.debian.pool.ntp.org", iburst: true }`,
    );
  }
  return given[0];
}

function keyOnSources(key: NtpKey | KeyRotation): NtpKey {
  if (NtpKey.isNtpKey(key)) return key;
  return key.phase === RotationPhase.ADD ? key.from : key.to;
}

function checkVerifyProps(verify: VerifyProps | undefined): void {
  if (verify?.timeoutSeconds !== undefined && !(Number.isFinite(verify.timeoutSeconds) && verify.timeoutSeconds > 0)) {
    throw new ConfigError(`invalid verify.timeoutSeconds ${verify.timeoutSeconds}: use a positive number of seconds`);
  }
}

const LOGIN_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

function checkKeyPath(where: string, file: string | undefined): void {
  if (file !== undefined && (typeof file !== "string" || file === "" || hasControlCharacters(file))) {
    throw new ConfigError(
      `invalid ${where}.privateKeyPath ${JSON.stringify(file)}: give the path of the SSH private key, or leave it out to use the ssh-agent`,
    );
  }
}

function checkHostKey(where: string, hostKey: unknown): void {
  if (hostKey === undefined) return;
  const checked = v.safeParse(hostKeyPolicySchema, hostKey);
  if (!checked.success)
    throw new ConfigError(
      `invalid ${describeIssue(`${where}.hostKey`, checked.issues[0])}: use HostKeyPolicy.knownHosts() or HostKeyPolicy.fingerprint("SHA256:...")`,
    );
}

function checkAddress(where: string, address: unknown): void {
  if (typeof address !== "string" || isProblem(hostOrAddress(address))) {
    throw new ConfigError(`invalid ${where}.address '${String(address)}': use a hostname or an IP address`);
  }
}

function checkPort(where: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`invalid ${where}.port ${port}: use 1..65535`);
}

function jumpHosts(t: SshTarget, target: Omit<SshTargetSpec, "jump" | "sshConfig" | "sudo">): SshHopSpec[] | undefined {
  if (t.jump === undefined) return undefined;
  const list: readonly SshJumpHost[] = Array.isArray(t.jump) ? t.jump : [t.jump as SshJumpHost];
  if (list.length === 0)
    throw new ConfigError("invalid target.jump []: give one jump host ({ address }) or a chain, or leave jump out for a direct connection");
  return list.map((hop, i) => {
    const where = list.length === 1 && !Array.isArray(t.jump) ? "target.jump" : `target.jump[${i}]`;
    if (!hop || typeof hop !== "object") throw new ConfigError(`invalid ${where} ${JSON.stringify(hop)}: give { address } of the jump host`);
    checkAddress(where, hop.address);
    const port = hop.port ?? 22;
    checkPort(where, port);
    const user = hop.user ?? target.user;
    if (!LOGIN_NAME.test(user)) throw new ConfigError(`invalid ${where}.user '${user}': use a login name such as jump`);
    checkKeyPath(where, hop.privateKeyPath);
    checkHostKey(where, hop.hostKey);
    // A pinned fingerprint belongs to one host: the jump host falls back to known_hosts then.
    const hostKey = hop.hostKey ?? (target.hostKey.kind === "knownHosts" ? target.hostKey : HostKeyPolicy.knownHosts());
    const privateKeyPath = hop.privateKeyPath ?? target.privateKeyPath;
    return { address: hop.address, port, user, ...(privateKeyPath !== undefined ? { privateKeyPath } : {}), hostKey };
  });
}

function sshTarget(t: SshTarget | undefined): SshTargetSpec {
  if (!t || typeof t !== "object") throw new ConfigError("target is missing: give at least { address } (the host's SSH address)");
  checkAddress("target", t.address);
  const port = t.port ?? 22;
  checkPort("target", port);
  const user = t.user ?? "root";
  if (!LOGIN_NAME.test(user)) throw new ConfigError(`invalid target.user '${user}': use a login name such as deploy`);
  checkKeyPath("target", t.privateKeyPath);
  checkHostKey("target", t.hostKey);
  if (
    t.sshConfig !== undefined &&
    typeof t.sshConfig !== "boolean" &&
    (typeof t.sshConfig !== "string" || t.sshConfig === "" || hasControlCharacters(t.sshConfig))
  ) {
    throw new ConfigError(
      `invalid target.sshConfig ${JSON.stringify(t.sshConfig)}: use true (~/.ssh/config) or the path of an OpenSSH client config`,
    );
  }
  const base = {
    address: t.address,
    port,
    user,
    ...(t.privateKeyPath !== undefined ? { privateKeyPath: t.privateKeyPath } : {}),
    hostKey: t.hostKey ?? HostKeyPolicy.knownHosts(),
  };
  const jump = jumpHosts(t, base);
  const sshConfig = t.sshConfig === undefined || t.sshConfig === false ? undefined : typeof t.sshConfig === "string" ? t.sshConfig : "~/.ssh/config";
  const explicit = SSH_CONFIG_FIELDS.filter((f) => t[f] !== undefined);
  return {
    ...base,
    // With an SSH config the user may come from it: sudo then follows the user it names (never for root).
    sudo: t.sudo ?? (sshConfig !== undefined && t.user === undefined ? true : user !== "root"),
    ...(jump ? { jump } : {}),
    ...(sshConfig !== undefined ? { sshConfig: { path: sshConfig, explicit } } : {}),
  };
}
