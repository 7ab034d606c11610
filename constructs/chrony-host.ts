import * as os from "node:os";
import * as path from "node:path";
import { HostKeyPolicySpec, SshTargetSpec } from "../lib/deploy/manifest";
import { ChronyConfig, ChronyConfigProps, buildChronyConfig } from "../lib/model/chrony-config";
import { validateDirective } from "../lib/model/validate-directive";
import { hostOrAddress, isProblem } from "../lib/model/tokens";
import { ConfigError } from "../lib/model/config-error";
import { NtpSourceOptions, PoolOptions, sourceDirective } from "../lib/model/areas/sources";
import { HostProfile } from "../lib/model/profiles/host-profile";
import { ChronyVersion, isAtLeast, parseChronyVersion, DEFAULT_CHRONY_VERSION } from "../lib/model/version";
import { Construct, TerraformStack } from "./cdk";
import { HostKeyPolicy } from "./host-key-policy";
import { HostProfiles } from "./host-profiles";
import { KeyRotation } from "./key-rotation";
import { NtpKey } from "./ntp-key";
import { PushResource, PushResourceType } from "./push-resource";

/** How to reach a host over SSH. */
export interface SshTarget {
  /** Hostname or IP address for SSH. */
  readonly address: string;
  /** @default 22 */
  readonly port?: number;
  /** @default "root" */
  readonly user?: string;
  /** @default - the ssh-agent at SSH_AUTH_SOCK */
  readonly privateKeyPath?: string;
  /** @default HostKeyPolicy.knownHosts() (~/.ssh/known_hosts, no trust on first use) */
  readonly hostKey?: HostKeyPolicySpec;
  /** Run privileged commands with `sudo -n`. @default - true unless the user is root */
  readonly sudo?: boolean;
}

/** Source options as constructs take them: an NtpKey (or a rotation) instead of a bare key ID. */
export interface SourceOptions extends Omit<NtpSourceOptions, "keyId"> {
  /** Authenticate with this key; hosts on both ends get it in chrony.keys. @default - no key */
  readonly key?: NtpKey | KeyRotation;
}

export interface PoolSourceOptions extends SourceOptions, Pick<PoolOptions, "maxSources"> {}

/** A server or peer: another ChronyHost of the app (its address, port and keys follow) or an address. */
export type SourceTarget = ChronyHost | string;

export interface HostSource {
  readonly kind: "server" | "peer" | "pool";
  readonly target: SourceTarget;
  readonly options: PoolSourceOptions;
}

export interface HostServerProps extends SourceOptions {
  readonly address: SourceTarget;
}

export interface HostPoolProps extends PoolSourceOptions {
  readonly name: string;
}

export interface VerifyProps {
  /** Also require chronyd to be synchronised. @default false */
  readonly requireSynchronised?: boolean;
  /**
   * How long verify waits for sources to be reached.
   * @default - 30 s, or longer when the host has peers: a peer has no iburst, and its first
   * exchange takes up to two of its polling intervals (2 × 2^minPoll s, plus 10 s)
   */
  readonly timeoutSeconds?: number;
  /** Where the controller reaches chronyd's UDP command port ("host:port"). @default - SSH only */
  readonly cmdEndpoint?: string;
}

export interface ChronyHostProps extends Omit<ChronyConfigProps, "servers" | "pools" | "peers"> {
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
  /** @default - none */
  readonly servers?: readonly HostServerProps[];
  /** @default - none */
  readonly pools?: readonly HostPoolProps[];
  /** @default - none */
  readonly peers?: readonly HostServerProps[];
  /**
   * Keys the host holds besides those its own sources use and those its clients and peers use
   * towards it (those are distributed automatically). E.g. a key for clients outside the app.
   * @default - none
   */
  readonly keys?: ReadonlyArray<NtpKey | KeyRotation>;
  /** Only for chrony older than 2.2, which still had command authentication. @default - none */
  readonly commandKey?: NtpKey;
  /** @default PushResource.TERRAFORM_DATA */
  readonly pushResource?: PushResourceType;
  /** "least-disruptive" uses reload sources / rekey when enough; "restart" always restarts. @default "least-disruptive" */
  readonly reloadPolicy?: "least-disruptive" | "restart";
  /** @default - sources present and reachable within 30 s, keyed sources authenticated */
  readonly verify?: VerifyProps;
  /**
   * The `cdktf-chrony` invocation the provisioner runs.
   * @default - this package's CLI under the node that runs synth
   */
  readonly applyCommand?: readonly string[];
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

  public readonly hostName: string;
  public readonly profile: HostProfile;
  public readonly target: SshTargetSpec;
  public readonly ntpAddress: string;
  public readonly props: ChronyHostProps;
  public readonly stackName: string;
  public readonly version: ChronyVersion;
  public readonly push: PushResource;
  /** The configuration from the props, sources added with addServer/addPeer/addPool excluded. */
  public readonly baseConfig: ChronyConfig;
  private readonly sourceList: HostSource[] = [];

  constructor(scope: Construct, id: string, props: ChronyHostProps) {
    super(scope, id);
    Object.defineProperty(this, CHRONY_HOST_BRAND, { value: true });
    this.props = props;
    this.hostName = props.hostName ?? id;
    if (!HOST_NAME.test(this.hostName)) {
      throw new ConfigError(
        `invalid host name '${this.hostName}': use letters, digits, '.', '_' and '-' (it names the host's manifest file); set hostName`,
      );
    }
    this.profile = props.profile ?? HostProfiles.debian();
    for (const [name, port] of [["ntpPort", this.profile.ntpPort], ["cmdPort", this.profile.cmdPort]] as const) {
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new ConfigError(`host ${this.hostName}: profile '${this.profile.name}' has an invalid ${name} ${port}: use 0..65535`);
      }
    }
    this.target = sshTarget(this.hostName, props.target);
    this.ntpAddress = props.ntpAddress ?? props.target.address;
    if (isProblem(hostOrAddress(this.ntpAddress))) {
      throw new ConfigError(`host ${this.hostName}: invalid ntpAddress '${this.ntpAddress}': use the IP address or hostname other hosts reach it by`);
    }
    this.stackName = TerraformStack.of(this).node.id;
    const version = parseChronyVersion(props.chronyVersion ?? DEFAULT_CHRONY_VERSION);
    this.version = version;
    if (props.commandKey && isAtLeast(version, "2.2")) {
      throw new ConfigError(
        `host ${this.hostName}: commandKey is not supported by chrony ${version.text}: command authentication was removed in chrony 2.2; control command access with bindCmdAddresses (loopback and the Unix socket by default), cmdAllow/cmdDeny, and the Unix socket's permissions`,
      );
    }
    for (const s of props.servers ?? []) this.addServer(s.address, s);
    for (const p of props.pools ?? []) this.addPool(p.name, p);
    for (const p of props.peers ?? []) this.addPeer(p.address, p);
    // Validates every typed prop and raw directive now, so the error points at this constructor.
    this.baseConfig = buildChronyConfig({ ...props, servers: [], pools: [], peers: [] });
    this.push = new PushResource(this, "Push", {
      host: this,
      type: props.pushResource ?? PushResourceType.TERRAFORM_DATA,
      applyCommand: props.applyCommand ?? defaultApplyCommand(),
    });
    this.complete = true;
  }

  /**
   * False for a host whose constructor threw: it stays in the construct tree (constructs cannot be
   * removed), so synth must skip it.
   */
  public readonly complete: boolean = false;

  /** Syncs to `target` as a client. A ChronyHost target serves this host: its address, port and the key follow. */
  public addServer(target: SourceTarget, options: SourceOptions = {}): void {
    this.addSource("server", target, options);
  }

  /** A symmetric peer. Both ends must use the same key: declare the peering on both hosts. */
  public addPeer(target: SourceTarget, options: SourceOptions = {}): void {
    this.addSource("peer", target, options);
  }

  public addPool(name: string, options: PoolSourceOptions = {}): void {
    this.addSource("pool", name, options);
  }

  /** Peers two hosts with each other over one key. */
  public static peer(a: ChronyHost, b: ChronyHost, options: SourceOptions = {}): void {
    a.addPeer(b, options);
    b.addPeer(a, options);
  }

  public get sources(): readonly HostSource[] {
    return this.sourceList;
  }

  private addSource(kind: HostSource["kind"], target: SourceTarget, options: PoolSourceOptions): void {
    if (ChronyHost.isChronyHost(target) && target === this) {
      throw new ConfigError(`host ${this.hostName}: a host cannot use itself as a ${kind}`);
    }
    if (kind === "pool" && ChronyHost.isChronyHost(target)) {
      throw new ConfigError(`host ${this.hostName}: a pool is a DNS name, not a host: use addServer for ${target.hostName}`);
    }
    this.sourceList.push({ kind, target, options });
    // Check the options against the grammar now (with a placeholder address and key for host targets).
    const { key, ...rest } = options;
    const address = ChronyHost.isChronyHost(target) ? "192.0.2.1" : target;
    try {
      validateDirective(sourceDirective(kind, address, { ...rest, keyId: key ? 1 : undefined }), this.version);
    } catch (err) {
      const where = `host ${this.hostName}, ${kind} ${ChronyHost.isChronyHost(target) ? target.hostName : target}`;
      if (err instanceof ConfigError) throw new ConfigError(`${where}: ${err.message}`);
      throw err;
    }
  }
}

function sshTarget(hostName: string, t: SshTarget): SshTargetSpec {
  const port = t.port ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`host ${hostName}: invalid SSH port ${t.port}: use 1..65535`);
  }
  if (!t.address || /\s/.test(t.address)) {
    throw new ConfigError(`host ${hostName}: invalid target address '${t.address}': use a hostname or IP address`);
  }
  const user = t.user ?? "root";
  return {
    address: t.address,
    port,
    user,
    privateKeyPath: t.privateKeyPath ? expandHome(t.privateKeyPath) : undefined,
    hostKey: t.hostKey ?? HostKeyPolicy.knownHosts(),
    sudo: t.sudo ?? user !== "root",
  };
}

function expandHome(file: string): string {
  return file.startsWith("~/") ? path.join(os.homedir(), file.slice(2)) : path.resolve(file);
}

function defaultApplyCommand(): string[] {
  // dist/constructs/chrony-host.js → dist/lib/cli/main.js; under vitest (sources) the built CLI is used too.
  const built = path.resolve(__dirname, "..", "lib", "cli", "main.js");
  const fromSources = path.resolve(__dirname, "..", "dist", "lib", "cli", "main.js");
  return [process.execPath, __filename.endsWith(".ts") ? fromSources : built];
}
