import type { KeySourceSpec } from "../keys/key-source";
import type { NtpKeyTypeName } from "../keys/key-type";
import type { ReloadPolicy, SshTargetSpec, UndeclaredKeyPolicy } from "../manifest/schema";
import type { ChronyConfig } from "../model/chrony-config";
import type { Directive } from "../model/directive";
import type { PoolOptions, SourceKind } from "../model/areas/sources";
import type { HostProfile } from "../model/profiles/host-profile";

/**
 * What the fleet compiler takes: plain data, one entry per host, key and rotation of the app.
 * Hosts, keys and rotations refer to each other by `ref`, a name unique in the app (the constructs
 * use their construct path), so the compiler needs no construct, no cdktf and no I/O.
 */
export interface FleetDeclaration {
  readonly hosts: readonly HostDeclaration[];
  readonly keys: readonly KeyDeclaration[];
  readonly rotations: readonly RotationDeclaration[];
  /** Rollouts ordering hosts into waves. @default - none: servers before their clients only */
  readonly rollouts?: readonly RolloutDeclaration[];
}

/** Hosts of one stack deployed in waves, with a health gate after every wave but the last. */
export interface RolloutDeclaration {
  readonly ref: string;
  /** The stack's id: a rollout orders the hosts of its own stack. */
  readonly stack: string;
  /** Host refs per wave, in order. */
  readonly waves: ReadonlyArray<readonly string[]>;
}

export interface KeyDeclaration {
  readonly ref: string;
  readonly keyId: number;
  readonly type: NtpKeyTypeName;
  readonly source: KeySourceSpec;
}

export type RotationPhaseName = "add" | "switch" | "retire";

/** A key being replaced by another in three deploys (see KeyRotation). */
export interface RotationDeclaration {
  readonly ref: string;
  /** Ref of the key being retired. */
  readonly from: string;
  /** Ref of the key replacing it. */
  readonly to: string;
  readonly phase: RotationPhaseName;
}

/** A key as a source or a host uses it: one key, or a rotation that picks by phase. */
export type KeyUseRef = { readonly key: string } | { readonly rotation: string };

export interface SourceDeclaration {
  readonly kind: SourceKind;
  /** Another host of the fleet (its ref: its address, NTP port and keys follow), or an address or name outside it. */
  readonly to: { readonly host: string } | { readonly address: string };
  /** The line's options; the key comes from `key`. */
  readonly options: Omit<PoolOptions, "keyId">;
  readonly key?: KeyUseRef;
  /**
   * The source line, when the declaring side already built and validated it for the host's chrony
   * version (ChronyHost does, to fail at the call that added the source): the compiler uses it
   * instead of building and validating the same line again.
   * @default - the compiler builds and validates the line
   */
  readonly line?: Directive;
}

export interface VerifyDeclaration {
  /** @default false */
  readonly requireSynchronised?: boolean;
  /** @default - 30 s, or longer for a host with peers */
  readonly timeoutSeconds?: number;
  /** "host:port" or "[ipv6]:port" where the controller reaches chronyd's UDP command port. @default - SSH only */
  readonly cmdEndpoint?: string;
}

export interface HostDeclaration {
  readonly ref: string;
  /** The host's name in manifests and reports, unique within its stack. */
  readonly id: string;
  readonly stack: string;
  readonly target: SshTargetSpec;
  readonly profile: HostProfile;
  /** The address other hosts of the fleet reach it by over NTP. */
  readonly ntpAddress: string;
  /** The host's configuration from its props (already validated), without its typed sources. */
  readonly config: ChronyConfig;
  readonly sources: readonly SourceDeclaration[];
  /** Keys held besides the ones sources use (which are distributed automatically). */
  readonly keys: readonly KeyUseRef[];
  /** Ref of the command key, for chrony older than 2.2. */
  readonly commandKey?: string;
  readonly reloadPolicy: ReloadPolicy;
  /** Keys on the host that the app does not declare. @default "refuse" */
  readonly undeclaredKeys?: UndeclaredKeyPolicy;
  readonly verify: VerifyDeclaration;
}
