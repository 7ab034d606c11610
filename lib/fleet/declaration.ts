import type { KeySourceSpec } from "../keys/key-source";
import type { NtpKeyTypeName } from "../keys/key-type";
import type { CertificateSourceSpec } from "../keys/nts/certificate-source";
import type { NtsKeySourceSpec } from "../keys/nts/private-key";
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
  /** Private CAs of the app that issue NTS server certificates. @default - none */
  readonly ntsAuthorities?: readonly NtsAuthorityDeclaration[];
  /** NTS server certificates: issued by an authority of the app, or brought. @default - none */
  readonly ntsCertificates?: readonly NtsCertificateDeclaration[];
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

/** A private CA for NTS whose key stays in the project's key store (see NtsCertificateAuthority). */
export interface NtsAuthorityDeclaration {
  readonly ref: string;
  /** The key store folder, as the app names it. */
  readonly keyStore: string;
  /** Its folder in the key store (nts/<name>). */
  readonly name: string;
  readonly commonName: string;
  /** Validity of the CA when synth creates it. */
  readonly validityDays: number;
  /** keys and drift warn when the CA has fewer days left. */
  readonly renewBeforeDays: number;
  /** drift fails (exit 2) when the CA has fewer days left. */
  readonly hardLimitDays: number;
}

/** An NTS server certificate and its private key (see NtsCertificate). */
export interface NtsCertificateDeclaration {
  readonly ref: string;
  /**
   * Issued (and re-issued when due) by an authority of the app for the names its hosts' clients
   * use, plus `extraNames`; or brought: a chain and a private key from their sources.
   */
  readonly issuer:
    | { readonly authority: string; readonly extraNames: readonly string[]; readonly validityDays: number }
    | { readonly certificate: CertificateSourceSpec; readonly privateKey: NtsKeySourceSpec };
  /** keys and drift warn, and synth re-issues an issued one, when fewer days are left. */
  readonly renewBeforeDays: number;
  /** drift fails (exit 2) when fewer days are left. */
  readonly hardLimitDays: number;
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

/**
 * The host's firewall, managed by cdktf-chrony: nftables, with a table of its own that opens what
 * chrony.conf serves (see lib/firewall). Absent: the host's firewall is left alone.
 */
export interface FirewallDeclaration {
  readonly backend: "nftables";
  /** The bit set on every packet the table accepts. */
  readonly mark: number;
  /** nft on the host. */
  readonly nft: readonly string[];
  /** Runs a command in a new, empty network namespace on the host. @default ["unshare", "--net", "--"] */
  readonly scratch?: readonly string[];
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
  /**
   * NTS: the certificate (ref) that makes the host an NTS server, and authorities (refs) it trusts
   * besides those that issued the certificates of the app's NTS servers its sources use.
   * @default - none
   */
  readonly nts?: { readonly certificate?: string; readonly trustedAuthorities?: readonly string[] };
  /** @default - the host's firewall is left alone */
  readonly firewall?: FirewallDeclaration;
}
