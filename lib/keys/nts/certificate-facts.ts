import { X509Certificate, createHash } from "node:crypto";
import { isIP } from "node:net";
import * as v from "valibot";
import { UserError } from "../../errors";

/**
 * What anyone may know about a certificate (it is public): who it names, who issued it, when it
 * expires. Manifests, `keys` and `drift` carry these; the certificate itself goes to the host as a
 * file, and its private key never leaves its source except on the host.
 */
export const certificateFactsSchema = v.object({
  /** "CN=..." */
  subject: v.string(),
  issuer: v.string(),
  /** subjectAltName entries: IP addresses and DNS names. */
  names: v.array(v.string()),
  /** ISO 8601. */
  notBefore: v.string(),
  notAfter: v.string(),
  /** "sha256:" and the hex SHA-256 of the DER, as `openssl x509 -fingerprint -sha256` shows it (lower case, no colons). */
  sha256: v.pipe(v.string(), v.regex(/^sha256:[0-9a-f]{64}$/, "sha256: and 64 hex digits")),
});
export type CertificateFacts = v.InferOutput<typeof certificateFactsSchema>;

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM text (a chain: the server's first), each parsed. */
export function readCertificates(pem: string, where: string): X509Certificate[] {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0)
    throw new UserError(
      `${where} holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the certificate chain in PEM form, the server's first`,
    );
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new UserError(`${where}: certificate ${i + 1} cannot be read (${(err as Error).message}): give PEM certificates`);
    }
  });
}

/** The chain as we write it: each certificate in canonical PEM, the server's first. */
export function chainPem(certs: readonly X509Certificate[]): string {
  return certs.map((c) => c.toString().trim()).join("\n") + "\n";
}

/** "IP Address:127.0.0.1, DNS:ntp.example" → ["127.0.0.1", "ntp.example"]. */
function altNames(cert: X509Certificate): string[] {
  const text = cert.subjectAltName;
  if (!text) return [];
  return text
    .split(/,\s*/)
    .map((entry) => /^(?:IP Address|DNS):(.+)$/.exec(entry.trim())?.[1])
    .filter((n): n is string => n !== undefined);
}

function dn(text: string): string {
  return text.split("\n").filter(Boolean).join(", ");
}

export function certificateFacts(cert: X509Certificate): CertificateFacts {
  return {
    subject: dn(cert.subject),
    issuer: dn(cert.issuer),
    names: altNames(cert),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    sha256: `sha256:${createHash("sha256").update(cert.raw).digest("hex")}`,
  };
}

/** Whole days from `now` until the certificate expires (negative once expired). */
export function daysLeft(facts: Pick<CertificateFacts, "notAfter">, now: Date): number {
  return Math.floor((Date.parse(facts.notAfter) - now.getTime()) / 86_400_000);
}

/** Does the certificate name `name` (an IP address or a DNS name) in subjectAltName? */
export function certificateNames(cert: X509Certificate, name: string): boolean {
  return (isIP(name) ? cert.checkIP(name) : cert.checkHost(name, { subject: "never" })) !== undefined;
}
