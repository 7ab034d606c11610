import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { isIP } from "node:net";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_serverAuth,
} from "@peculiar/asn1-x509";

/**
 * X.509 certificates for NTS, built synchronously: cdktf synth is synchronous (aspects, the
 * synthesize hook), and @peculiar/x509's generator signs through WebCrypto, which is async. So the
 * certificate is assembled with @peculiar/asn1-x509 (the ASN.1 layer @peculiar/x509 is built on)
 * and signed with node:crypto. Keys are EC P-256 with ECDSA-SHA256, which chrony's GnuTLS accepts
 * (see the reference notes). Reading and checking certificates uses node's X509Certificate.
 */

const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
const COMMON_NAME = "2.5.4.3";

export interface NewCertificate {
  /** The subject's common name. */
  readonly commonName: string;
  /** subjectAltName entries: IP addresses become iPAddress, anything else dNSName. */
  readonly names: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** A CA certificate (basicConstraints cA, keyCertSign) rather than a TLS server's. */
  readonly ca: boolean;
  readonly publicKey: KeyObject;
  /** Who signs: the CA's key and certificate (DER), or nothing for a self-signed CA. */
  readonly issuer?: { readonly privateKey: KeyObject; readonly certificateDer: Buffer };
  /** The key that signs a self-signed certificate. */
  readonly selfSigningKey?: KeyObject;
}

/** A fresh EC P-256 key pair. */
export function newKeyPair(): { readonly privateKey: KeyObject; readonly publicKey: KeyObject } {
  return generateKeyPairSync("ec", { namedCurve: "prime256v1" });
}

function commonNameOf(cn: string): Name {
  return new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type: COMMON_NAME, value: new AttributeValue({ utf8String: cn }) })])]);
}

function extension(id: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** RFC 5280 method 1: the SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(spki: SubjectPublicKeyInfo): Buffer {
  return createHash("sha1").update(Buffer.from(spki.subjectPublicKey)).digest();
}

/** A positive 128-bit serial number. */
function serialNumber(): ArrayBuffer {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01;
  return new Uint8Array(bytes).buffer;
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return new Uint8Array(b).buffer;
}

/** Builds and signs a certificate; returns it as PEM. */
export function buildCertificate(req: NewCertificate): string {
  const spki = AsnConvert.parse(req.publicKey.export({ type: "spki", format: "der" }), SubjectPublicKeyInfo);
  const issuerCert = req.issuer ? AsnConvert.parse(req.issuer.certificateDer, Certificate) : undefined;
  const signingKey = req.issuer?.privateKey ?? req.selfSigningKey;
  if (!signingKey) throw new Error("buildCertificate: give issuer or selfSigningKey");
  const ownId = keyIdentifier(spki);
  const authorityId = issuerCert ? keyIdentifier(issuerCert.tbsCertificate.subjectPublicKeyInfo) : ownId;
  const extensions = [
    extension(id_ce_basicConstraints, true, new BasicConstraints(req.ca ? { cA: true, pathLenConstraint: 0 } : { cA: false })),
    extension(id_ce_keyUsage, true, new KeyUsage(req.ca ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign : KeyUsageFlags.digitalSignature)),
    extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(toArrayBuffer(ownId))),
    extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(toArrayBuffer(authorityId)) })),
  ];
  if (!req.ca) extensions.push(extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_serverAuth])));
  if (req.names.length > 0) {
    const general = req.names.map((n) => (isIP(n) ? new GeneralName({ iPAddress: n }) : new GeneralName({ dNSName: n })));
    extensions.push(extension(id_ce_subjectAltName, false, new SubjectAlternativeName(general)));
  }
  const algorithm = new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serialNumber(),
    signature: algorithm,
    issuer: issuerCert ? issuerCert.tbsCertificate.subject : commonNameOf(req.commonName),
    validity: new Validity({ notBefore: req.notBefore, notAfter: req.notAfter }),
    subject: commonNameOf(req.commonName),
    subjectPublicKeyInfo: spki,
    extensions: new Extensions(extensions),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signature = sign("sha256", tbsDer, { key: signingKey, dsaEncoding: "der" });
  const certificate = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: toArrayBuffer(signature) });
  return toPem(Buffer.from(AsnConvert.serialize(certificate)), "CERTIFICATE");
}

export function toPem(der: Buffer, label: string): string {
  const b64 = der
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
