import { UserError } from "../errors";
import { checkKeyMaterial, keyLine } from "../keys/key-material";
import { resolveKeyMaterial } from "../keys/resolve-key";
import { keyFingerprint, resolveSalt } from "../keys/fingerprint";
import { renderKeyFile } from "../render/host-files";
import { HostManifest } from "../manifest";

export interface ResolvedKeyFile {
  /** chrony.keys as it goes on the host. Secret: never log it. */
  readonly content: string;
  /** Keys whose material changed since synth (the fingerprint differs): re-synth to update triggers. */
  readonly changedSinceSynth: number[];
}

/**
 * Reads every key the host holds from its source and renders chrony.keys. Fails before anything
 * is written to the host when a key cannot be read.
 */
export function resolveKeyFile(manifest: HostManifest, baseDir: string): ResolvedKeyFile {
  const salt = manifest.keys.entries.length > 0 ? resolveSalt(manifest.fingerprintSalt, baseDir, { create: false }) : Buffer.alloc(0);
  const changedSinceSynth: number[] = [];
  const lines = manifest.keys.entries.map((entry) => {
    let material: Buffer;
    try {
      material = resolveKeyMaterial(entry, baseDir, { createInKeyStore: false });
    } catch (err) {
      throw new UserError(`host ${manifest.id}: ${(err as Error).message}; nothing was written to the host`);
    }
    const check = checkKeyMaterial(entry.id, entry.type, material);
    if (check.errors.length > 0) throw new UserError(`host ${manifest.id}: ${check.errors[0]}; nothing was written to the host`);
    if (keyFingerprint(salt, entry.id, entry.type, material) !== entry.fingerprint) changedSinceSynth.push(entry.id);
    const line = keyLine(entry.id, entry.type, material);
    material.fill(0);
    return { id: entry.id, line };
  });
  return { content: renderKeyFile(lines), changedSinceSynth };
}
