import { UserError } from "../errors";
import { KEY_TYPES, MIN_SECURE_KEY_BYTES, NtpKeyTypeName } from "./key-type";

/**
 * Key material in chrony's notation: `HEX:0A1B...`, `ASCII:text` or bare text (read as ASCII).
 * Error messages from here name the key ID but never echo the material.
 */
export function decodeKeyMaterial(keyId: number, text: string): Buffer {
  if (text.startsWith("HEX:")) {
    const hex = text.slice(4);
    if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(hex)) {
      throw new UserError(
        `key ${keyId}: HEX material must be an even number of hexadecimal digits (chronyd would log "Could not decode key ${keyId}"): regenerate it with 'cdktf-chrony keygen ${keyId}'`,
      );
    }
    return Buffer.from(hex, "hex");
  }
  const ascii = text.startsWith("ASCII:") ? text.slice(6) : text;
  if (ascii.length === 0) throw new UserError(`key ${keyId}: the material is empty: set a key or generate one with 'cdktf-chrony keygen ${keyId}'`);
  if (!/^[\x21-\x7e]+$/.test(ascii)) {
    throw new UserError(
      `key ${keyId}: ASCII material may hold only printable characters without spaces: use HEX: material ('cdktf-chrony keygen ${keyId}')`,
    );
  }
  return Buffer.from(ascii, "ascii");
}

/** Problems chronyd would log for this key; errors make the key unusable, warnings do not. */
export interface KeyMaterialCheck {
  readonly errors: string[];
  readonly warnings: string[];
}

export function checkKeyMaterial(keyId: number, type: NtpKeyTypeName, material: Buffer): KeyMaterialCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  const info = KEY_TYPES.get(type);
  if (info?.cipherBytes !== undefined && material.length !== info.cipherBytes) {
    errors.push(
      `key ${keyId}: ${type} needs exactly ${info.cipherBytes * 8} bits, got ${material.length * 8} (chronyd would log "Invalid length of ${type} key ${keyId}"): generate one with 'cdktf-chrony keygen ${keyId} ${type}'`,
    );
  } else if (material.length < MIN_SECURE_KEY_BYTES) {
    warnings.push(
      `key ${keyId}: ${material.length * 8} bits is shorter than chrony's minimum of ${MIN_SECURE_KEY_BYTES * 8} (chronyd logs "Key ${keyId} is too short" and refuses to use it): generate one with 'cdktf-chrony keygen ${keyId} ${type}'`,
    );
  }
  if (material.length > 1000) errors.push(`key ${keyId}: ${material.length} bytes makes a key line longer than chrony's 2047-character limit`);
  return { errors, warnings };
}

/** The line chrony.keys holds for one key. */
export function keyLine(keyId: number, type: NtpKeyTypeName, material: Buffer): string {
  return `${keyId} ${type} HEX:${material.toString("hex").toUpperCase()}`;
}
