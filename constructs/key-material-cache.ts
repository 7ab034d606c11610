import * as path from "node:path";
import { defaultSaltSpec, FingerprintSaltSpec, keyFingerprint, resolveSalt } from "../lib/keys/fingerprint";
import { checkKeyMaterial } from "../lib/keys/key-material";
import { resolveKeyMaterial } from "../lib/keys/resolve-key";
import { ConfigError } from "../lib/model/config-error";
import { NtpKey } from "./ntp-key";
import { projectDir } from "./project-dir";

export interface ResolvedKey {
  readonly fingerprint: string;
  readonly warnings: readonly string[];
}

/**
 * Reads each key's material once per synth, only to compute its keyed fingerprint; the material
 * itself is dropped here and never reaches a construct attribute, the manifest or the plan.
 */
export class KeyMaterialCache {
  public readonly saltSpec: FingerprintSaltSpec;
  private salt?: Buffer;
  private readonly resolved = new Map<NtpKey, ResolvedKey>();

  constructor(private readonly projectDir: string) {
    this.saltSpec = defaultSaltSpec(path.join(projectDir, ".chrony-keys"));
  }

  public resolve(key: NtpKey): ResolvedKey {
    const cached = this.resolved.get(key);
    if (cached) return cached;
    this.salt ??= resolveSalt(this.saltSpec, this.projectDir);
    const material = resolveKeyMaterial({ id: key.keyId, type: key.type, source: key.source }, this.projectDir);
    const check = checkKeyMaterial(key.keyId, key.type, material);
    if (check.errors.length > 0) throw new ConfigError(`NtpKey ${key.node.path}: ${check.errors[0]}`);
    const result = { fingerprint: keyFingerprint(this.salt, key.keyId, key.type, material), warnings: check.warnings };
    material.fill(0);
    this.resolved.set(key, result);
    return result;
  }
}

const CACHES = new WeakMap<object, KeyMaterialCache>();

export function keyCacheFor(root: object): KeyMaterialCache {
  let cache = CACHES.get(root);
  if (!cache) {
    cache = new KeyMaterialCache(projectDir());
    CACHES.set(root, cache);
  }
  return cache;
}
