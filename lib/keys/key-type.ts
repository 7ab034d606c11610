/**
 * Key types chrony accepts in chrony.keys (names are case-sensitive there).
 * Hashes take a key of any length; the AES types are CMAC ciphers that need an exact length.
 * TIGER and WHIRLPOOL exist in chrony's grammar but Debian, Ubuntu and RHEL build chrony with
 * Nettle, which rejects them ("Unsupported hash function"), so they are not offered.
 */
export type NtpKeyTypeName =
  "MD5" | "SHA1" | "SHA256" | "SHA384" | "SHA512" | "SHA3-224" | "SHA3-256" | "SHA3-384" | "SHA3-512" | "AES128" | "AES256";

export interface KeyTypeInfo {
  readonly name: NtpKeyTypeName;
  /** Exact key length in bytes for CMAC ciphers; undefined for hashes. */
  readonly cipherBytes?: number;
  /** The chrony release that added the type. */
  readonly since: string;
}

const TYPES: readonly KeyTypeInfo[] = [
  { name: "MD5", since: "1.31" },
  { name: "SHA1", since: "1.31" },
  { name: "SHA256", since: "1.31" },
  { name: "SHA384", since: "1.31" },
  { name: "SHA512", since: "1.31" },
  { name: "SHA3-224", since: "3.0" },
  { name: "SHA3-256", since: "3.0" },
  { name: "SHA3-384", since: "3.0" },
  { name: "SHA3-512", since: "3.0" },
  { name: "AES128", cipherBytes: 16, since: "4.0" },
  { name: "AES256", cipherBytes: 32, since: "4.0" },
];

export const KEY_TYPES: ReadonlyMap<string, KeyTypeInfo> = new Map(TYPES.map((t) => [t.name, t]));

/** chrony's default when a key line has no type. */
export const DEFAULT_KEY_LINE_TYPE: NtpKeyTypeName = "MD5";

/** `chronyc keygen`'s default type in builds with secure hashes (all the distributions'). */
export const DEFAULT_KEYGEN_TYPE: NtpKeyTypeName = "SHA1";

/** chronyd warns "Key N is too short" below this many bytes when a source uses the key. */
export const MIN_SECURE_KEY_BYTES = 10;

export function keyTypeNames(): string {
  return TYPES.map((t) => t.name).join(", ");
}
