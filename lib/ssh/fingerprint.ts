import { createHash } from "node:crypto";
import { UserError } from "../errors";

/** `SHA256:` + unpadded base64 of the SHA-256 of the public key blob, as `ssh-keygen -lf` prints it. */
export function sha256Fingerprint(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(publicKeyBlob).digest("base64").replace(/=+$/, "")}`;
}

const SHA256_FINGERPRINT = /^SHA256:([A-Za-z0-9+/]{43})=?$/;

/**
 * Check a pinned fingerprint and return it in canonical form (no base64 padding).
 * Throws a `UserError` naming the value and the expected form.
 */
export function normalizeSha256Fingerprint(fingerprint: string): string {
  const m = SHA256_FINGERPRINT.exec(fingerprint.trim());
  if (!m) {
    throw new UserError(
      `invalid host key fingerprint '${fingerprint}': expected 'SHA256:' and 43 base64 characters, as printed by 'ssh-keygen -lf KEY.pub' or 'ssh-keyscan HOST | ssh-keygen -lf -'`,
    );
  }
  return `SHA256:${m[1]}`;
}
