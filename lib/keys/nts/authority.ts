import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../../errors";
import { resolveProjectPath } from "../../project";
import { buildCertificate, newKeyPair } from "./build-certificate";
import { certificateNames, daysLeft, certificateFacts } from "./certificate-facts";
import { NtsKeySourceSpec, privateKeyPem } from "./private-key";

/**
 * A private CA for NTS in the project's key store, and the server certificates it issues:
 *
 *   <key store>/nts/<authority>/ca.key        the CA's private key (0600; never leaves this folder)
 *   <key store>/nts/<authority>/ca.crt        its self-signed certificate (what clients trust)
 *   <key store>/nts/<authority>/<cert>.key    an issued server key (0600; read again at apply)
 *   <key store>/nts/<authority>/<cert>.crt    its certificate
 *
 * Synth creates the CA on first use (or `cdktf-chrony ca init NAME` does) and issues a certificate
 * only when there is none, its names changed, the CA changed, or it is within its renewal window:
 * re-synth reuses what is stored. Deploys never create or issue anything.
 */

export interface AuthoritySpec {
  /** The key store folder as the app names it (relative paths are in the project folder). */
  readonly keyStore: string;
  /** The authority's folder name in the key store. */
  readonly name: string;
  /** Subject common name of a CA created here. */
  readonly commonName: string;
  /** Validity of a CA created here. */
  readonly validityDays: number;
}

export const AUTHORITY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface LoadedAuthority {
  readonly certificate: X509Certificate;
  /** PEM, as clients get it in their trusted CAs. */
  readonly pem: string;
  /** Key store folder (absolute) of the authority. */
  readonly dir: string;
  /** Created by this call. */
  readonly created: boolean;
}

function authorityDir(spec: AuthoritySpec, baseDir: string): string {
  return path.join(resolveProjectPath(spec.keyStore, baseDir), "nts", spec.name);
}

/** Writes a file atomically, 0600, or not at all when `exclusive` and it exists. */
function writeSecret(file: string, content: string, exclusive: boolean): boolean {
  if (exclusive) {
    try {
      fs.writeFileSync(file, content, { mode: 0o600, flag: "wx" });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw err;
    }
  }
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  fs.renameSync(tmp, file);
  return true;
}

/**
 * The authority's certificate, created (key and self-signed certificate) when missing and `create`
 * is set (synth, `ca init`); a deploy that finds none stops with the fix.
 */
export function loadAuthority(spec: AuthoritySpec, baseDir: string, options: { readonly create: boolean; readonly now?: Date }): LoadedAuthority {
  const dir = authorityDir(spec, baseDir);
  const keyFile = path.join(dir, "ca.key");
  const certFile = path.join(dir, "ca.crt");
  let created = false;
  if (!fs.existsSync(keyFile)) {
    if (!options.create) {
      throw new UserError(
        `NTS authority ${spec.name}: ${keyFile} is missing: copy the project's key store from where synth ran, or run synth (or 'cdktf-chrony ca init ${spec.name}') first`,
      );
    }
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keys = newKeyPair();
    const now = options.now ?? new Date();
    const pem = buildCertificate({
      commonName: spec.commonName,
      names: [],
      notBefore: new Date(now.getTime() - 3_600_000),
      notAfter: new Date(now.getTime() + spec.validityDays * 86_400_000),
      ca: true,
      publicKey: keys.publicKey,
      selfSigningKey: keys.privateKey,
    });
    // The key first and exclusively: another synth that got there first wins, and we use its CA.
    if (writeSecret(keyFile, privateKeyPem(keys.privateKey), true)) {
      writeSecret(certFile, pem, false);
      created = true;
    }
  }
  let pem: string;
  try {
    pem = fs.readFileSync(certFile, "utf8");
  } catch {
    throw new UserError(
      `NTS authority ${spec.name}: ${certFile} is missing although its key is there: restore it from a copy of the key store (every certificate the CA issued depends on it)`,
    );
  }
  const certificate = new X509Certificate(pem);
  return { certificate, pem, dir, created };
}

function authorityKey(authority: LoadedAuthority): KeyObject {
  return createPrivateKey(fs.readFileSync(path.join(authority.dir, "ca.key"), "utf8"));
}

export interface IssueRequest {
  /** File name of the certificate in the authority's folder, without extension. */
  readonly certificateName: string;
  /** subjectAltName entries, as clients name the server. */
  readonly names: readonly string[];
  readonly validityDays: number;
  readonly renewBeforeDays: number;
  readonly now: Date;
}

export interface IssuedCertificate {
  /** The server certificate (PEM). */
  readonly pem: string;
  readonly keySource: NtsKeySourceSpec;
  /** Why it was issued in this call; undefined when the stored one was reused. */
  readonly issued?: string;
}

/** Why the stored certificate cannot be reused, or undefined when it can. */
function reissueReason(authority: LoadedAuthority, certFile: string, keyFile: string, req: IssueRequest): string | undefined {
  if (!fs.existsSync(certFile) || !fs.existsSync(keyFile)) return "none was issued yet";
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(fs.readFileSync(certFile, "utf8"));
    if (!cert.checkPrivateKey(createPrivateKey(fs.readFileSync(keyFile, "utf8")))) return "the stored key does not match it";
  } catch {
    return "the stored one cannot be read";
  }
  if (!cert.checkIssued(authority.certificate) || !cert.verify(authority.certificate.publicKey)) return "the authority changed";
  const want = [...req.names].sort();
  const have = [...certificateFacts(cert).names].sort();
  if (want.length !== have.length || want.some((n, i) => n !== have[i]) || !want.every((n) => certificateNames(cert, n))) {
    return `its names changed (${have.join(", ") || "none"} → ${want.join(", ")})`;
  }
  const left = daysLeft(certificateFacts(cert), req.now);
  if (left < req.renewBeforeDays) return `it expires in ${left} day(s), within renewBeforeDays ${req.renewBeforeDays}`;
  if (Date.parse(certificateFacts(cert).notBefore) > req.now.getTime()) return "it is not valid yet";
  return undefined;
}

/**
 * The stored certificate when it is still right; otherwise a new key and certificate, written to
 * the key store before they are used (a key that was never written cannot be deployed).
 */
export function issueOrReuse(authority: LoadedAuthority, spec: AuthoritySpec, req: IssueRequest): IssuedCertificate {
  const keyFile = path.join(authority.dir, `${req.certificateName}.key`);
  const certFile = path.join(authority.dir, `${req.certificateName}.crt`);
  const keySource: NtsKeySourceSpec = { kind: "keyStore", dir: spec.keyStore, file: `nts/${spec.name}/${req.certificateName}.key` };
  const reason = reissueReason(authority, certFile, keyFile, req);
  if (reason === undefined) return { pem: fs.readFileSync(certFile, "utf8"), keySource };
  const caNotAfter = Date.parse(authority.certificate.validTo);
  const notAfter = Math.min(req.now.getTime() + req.validityDays * 86_400_000, caNotAfter);
  const keys = newKeyPair();
  const pem = buildCertificate({
    commonName: req.names[0] ?? req.certificateName,
    names: req.names,
    notBefore: new Date(req.now.getTime() - 3_600_000),
    notAfter: new Date(notAfter),
    ca: false,
    publicKey: keys.publicKey,
    issuer: { privateKey: authorityKey(authority), certificateDer: authority.certificate.raw },
  });
  writeSecret(keyFile, privateKeyPem(keys.privateKey), false);
  writeSecret(certFile, pem, false);
  return { pem, keySource, issued: reason };
}
