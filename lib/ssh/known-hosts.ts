import { createHmac } from "node:crypto";
import { keyTypeOfBlob } from "./key-blob";
import { globToRegExp } from "./glob-pattern";

/** `@revoked` keys are refused; `@cert-authority` lines are read but never trusted (no certificates). */
export type KnownHostsMarker = "revoked" | "cert-authority";

/** One usable line of an OpenSSH known_hosts file. */
export interface KnownHostsEntry {
  /** 1-based, for messages. */
  readonly lineNumber: number;
  readonly marker?: KnownHostsMarker;
  /** The host field as written: a comma-separated pattern list, or one hashed `|1|salt|hash` name. */
  readonly hosts: string;
  readonly keyType: string;
  readonly keyBlob: Buffer;
  /** The file the line came from, when several are read together (for messages). */
  readonly file?: string;
}

const MARKERS: Record<string, KnownHostsMarker> = { "@revoked": "revoked", "@cert-authority": "cert-authority" };

/**
 * Parse known_hosts text. Lines that OpenSSH would also skip (comments, blanks, unknown markers,
 * bad base64, a key whose blob names another type) are left out rather than failing the whole file.
 */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "" || line.startsWith("#")) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostsMarker | undefined;
    if (fields[0].startsWith("@")) {
      marker = MARKERS[fields[0]];
      if (marker === undefined) continue;
      fields.shift();
    }
    if (fields.length < 3) continue;
    const [hosts, keyType, base64] = fields;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) continue;
    const keyBlob = Buffer.from(base64, "base64");
    if (keyTypeOfBlob(keyBlob) !== keyType) continue;
    entries.push({ lineNumber: i + 1, marker, hosts, keyType, keyBlob });
  }
  return entries;
}

/** The name OpenSSH looks up and writes: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** The known_hosts line that records `keyBlob` for `host:port` (unhashed, as `ssh-keyscan` prints it). */
export function formatKnownHostsLine(host: string, port: number, keyType: string, keyBlob: Buffer): string {
  return `${knownHostsName(host, port)} ${keyType} ${keyBlob.toString("base64")}`;
}

function hashedNameMatches(field: string, name: string): boolean {
  const parts = field.split("|");
  if (parts.length !== 4 || parts[1] !== "1") return false;
  const salt = Buffer.from(parts[2], "base64");
  const expected = Buffer.from(parts[3], "base64");
  const actual = createHmac("sha1", salt).update(name).digest();
  return expected.length === actual.length && expected.equals(actual);
}

/**
 * Does a host field match `name` (from `knownHostsName`)? Hashed names match exactly; pattern lists
 * follow OpenSSH: `*` and `?` wildcards, case-insensitive, and any matching `!pattern` vetoes the line.
 */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith("|")) return hashedNameMatches(field, name);
  let positive = false;
  for (const raw of field.split(",")) {
    if (raw === "") continue;
    const negated = raw.startsWith("!");
    const pattern = negated ? raw.slice(1) : raw;
    if (!globToRegExp(pattern).test(name)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

/** What known_hosts says about the key a host presented. */
export type HostKeyLookup =
  | { readonly kind: "known"; readonly entry: KnownHostsEntry }
  | { readonly kind: "revoked"; readonly entry: KnownHostsEntry }
  /** The host is listed, but with other keys only (of the same type or of other types). */
  | { readonly kind: "changed"; readonly expected: readonly KnownHostsEntry[] }
  | { readonly kind: "unknown" };

/** Look up the key presented by the host known as `name`; `@cert-authority` lines play no part. */
export function lookupHostKey(entries: readonly KnownHostsEntry[], name: string, keyBlob: Buffer): HostKeyLookup {
  const forHost = entries.filter((e) => e.marker !== "cert-authority" && hostFieldMatches(e.hosts, name));
  const revoked = forHost.find((e) => e.marker === "revoked" && e.keyBlob.equals(keyBlob));
  if (revoked) return { kind: "revoked", entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const known = plain.find((e) => e.keyBlob.equals(keyBlob));
  if (known) return { kind: "known", entry: known };
  return plain.length > 0 ? { kind: "changed", expected: plain } : { kind: "unknown" };
}

/**
 * The `@cert-authority` line that names this host, if any. ssh2 cannot check host certificates (it
 * never negotiates the `*-cert-v01@openssh.com` host key types), so such a line never trusts a host:
 * it only explains why a host known that way is refused.
 */
export function certAuthorityFor(entries: readonly KnownHostsEntry[], name: string): KnownHostsEntry | undefined {
  return entries.find((e) => e.marker === "cert-authority" && hostFieldMatches(e.hosts, name));
}

/** Key types known_hosts holds for this host, so the client can ask the server for one of them first. */
export function knownKeyTypes(entries: readonly KnownHostsEntry[], name: string): string[] {
  const types = entries.filter((e) => e.marker === undefined && hostFieldMatches(e.hosts, name)).map((e) => e.keyType);
  return [...new Set(types)];
}
