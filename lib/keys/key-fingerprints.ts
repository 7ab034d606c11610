import { ConfigError } from "../model/config-error";
import { FingerprintSaltSpec, defaultSaltSpec, keyFingerprint, resolveSalt } from "./fingerprint";
import { checkKeyMaterial } from "./key-material";
import { KeySourceSpec } from "./key-source";
import { NtpKeyTypeName } from "./key-type";
import { resolveKeyMaterial } from "./resolve-key";

/** A declared key: where its material is, and a name for messages (the NtpKey's path). */
export interface KeyToFingerprint {
  readonly ref: string;
  readonly keyId: number;
  readonly type: NtpKeyTypeName;
  readonly source: KeySourceSpec;
}

/** What the fleet compiler needs from the keys: fingerprints, and where the salt is. */
export interface ProjectKeyFingerprints {
  readonly saltSpec: FingerprintSaltSpec;
  fingerprint(key: KeyToFingerprint): { readonly fingerprint: string; readonly warnings: readonly string[] };
}

/** The folder of the default key store and the fingerprint salt, inside the project. */
export const KEY_STORE_DIR = ".chrony-keys";

/**
 * Reads each key's material from its source, only to compute its keyed fingerprint: the material
 * is zeroed here and never reaches the compiler, a manifest or the plan. The salt is created on
 * first use (synth is where a project starts).
 */
export function projectKeyFingerprints(projectDir: string): ProjectKeyFingerprints {
  const saltSpec = defaultSaltSpec(KEY_STORE_DIR);
  let salt: Buffer | undefined;
  return {
    saltSpec,
    fingerprint(key: KeyToFingerprint) {
      salt ??= resolveSalt(saltSpec, projectDir, { create: true });
      const material = resolveKeyMaterial({ id: key.keyId, type: key.type, source: key.source }, projectDir, { createInKeyStore: true });
      try {
        const check = checkKeyMaterial(key.keyId, key.type, material);
        if (check.errors.length > 0) throw new ConfigError(`NtpKey ${key.ref}: ${check.errors[0]}`);
        return { fingerprint: keyFingerprint(salt, key.keyId, key.type, material), warnings: check.warnings };
      } finally {
        material.fill(0);
      }
    },
  };
}
