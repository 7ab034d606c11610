import * as fs from "node:fs";
import { UserError } from "../errors";
import { FingerprintSaltSpec } from "../keys/fingerprint";
import { KeySourceSpec } from "../keys/key-source";
import { NtpKeyTypeName } from "../keys/key-type";
import { HostProfile, isHostProfile } from "../model/profiles/host-profile";
import { HostFile } from "../render/host-files";

export const MANIFEST_SCHEMA = "cdktf-chrony/host-manifest@1";

/** How the controller checks the host's SSH key. Trust on first use happens only when asked. */
export type HostKeyPolicySpec =
  | { readonly kind: "knownHosts"; readonly path: string; readonly trustOnFirstUse: boolean }
  | { readonly kind: "fingerprint"; readonly sha256: string };

export interface SshTargetSpec {
  readonly address: string;
  readonly port: number;
  readonly user: string;
  /** Absent: use the ssh-agent at SSH_AUTH_SOCK. */
  readonly privateKeyPath?: string;
  readonly hostKey: HostKeyPolicySpec;
  /** Run privileged commands with `sudo -n`. */
  readonly sudo: boolean;
}

/** A key the host holds, without its material. */
export interface ManifestKey {
  readonly id: number;
  readonly type: NtpKeyTypeName;
  /** Keyed fingerprint of the material at synth time. */
  readonly fingerprint: string;
  readonly source: KeySourceSpec;
  /** The NtpKey construct's path, for reports. */
  readonly name: string;
}

/** A source verify expects to see, by the address chronyd reports and the name it was given. */
export interface ExpectedSource {
  readonly kind: "server" | "pool" | "peer";
  /** As written on the source line (address or hostname). */
  readonly name: string;
  readonly keyId?: number;
  readonly nts: boolean;
}

export interface RotationStatus {
  readonly name: string;
  readonly phase: "add" | "switch" | "retire";
  readonly fromKeyId: number;
  readonly toKeyId: number;
}

/**
 * Everything `cdktf-chrony apply` needs for one host, and nothing secret: files to write, key
 * references and fingerprints, the profile, verification expectations.
 */
export interface HostManifest {
  readonly schema: typeof MANIFEST_SCHEMA;
  readonly id: string;
  readonly stack: string;
  readonly target: SshTargetSpec;
  readonly profile: HostProfile;
  readonly chronyVersion: string;
  /** chrony.conf and the sources file, rendered. */
  readonly files: readonly HostFile[];
  readonly keys: {
    readonly path: string;
    readonly owner: string;
    readonly group: string;
    readonly mode: number;
    readonly entries: readonly ManifestKey[];
  };
  readonly fingerprintSalt: FingerprintSaltSpec;
  /** "least-disruptive": reload sources / rekey when enough; "restart": always restart on change. */
  readonly reloadPolicy: "least-disruptive" | "restart";
  readonly verify: {
    readonly sources: readonly ExpectedSource[];
    /** Where the controller can reach chronyd's UDP command port, if it can. */
    readonly cmdEndpoint?: { readonly host: string; readonly port: number };
    readonly requireSynchronised: boolean;
    readonly timeoutSeconds: number;
  };
  readonly rotations: readonly RotationStatus[];
  readonly warnings: readonly string[];
  /** The digests in the push resource's triggers. */
  readonly digests: { readonly files: string; readonly keys: string };
}

/** Parses and checks a manifest; `where` names its origin in errors. */
export function parseManifest(text: string, where: string): HostManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UserError(`host manifest ${where} is not valid JSON: synthesize it again with 'cdktf synth'`);
  }
  const m = parsed as Partial<HostManifest>;
  if (m.schema !== MANIFEST_SCHEMA) {
    throw new UserError(
      `${where} is not a cdktf-chrony host manifest (schema '${String(m.schema)}', expected '${MANIFEST_SCHEMA}'): synthesize it again with this version of cdktf-chrony`,
    );
  }
  if (!isHostProfile(m.profile) || !m.target || !Array.isArray(m.files) || !m.keys) {
    throw new UserError(`host manifest ${where} is incomplete: synthesize it again with 'cdktf synth'`);
  }
  return m as HostManifest;
}

/** A single manifest file (as `cdktf-chrony inspect --host ID --manifest` prints one). */
export function readManifest(file: string): HostManifest {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new UserError(
      `cannot read host manifest ${file} (${(err as NodeJS.ErrnoException).code}): pass a file written by 'cdktf-chrony inspect --host ID --manifest', or run apply from the provisioner`,
    );
  }
  return parseManifest(text, file);
}
