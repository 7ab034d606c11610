/**
 * The key type named inside an SSH public key blob (RFC 4253 §6.6: the blob starts with the type
 * as a length-prefixed string), or undefined when the blob is malformed.
 */
export function keyTypeOfBlob(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > blob.length) return undefined;
  const type = blob.toString("latin1", 4, 4 + length);
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/** Host key algorithms a client may offer to get a key of this type from the server. */
export function algorithmsForKeyType(keyType: string): readonly string[] {
  switch (keyType) {
    case "ssh-rsa":
      return ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
    default:
      return [keyType];
  }
}
