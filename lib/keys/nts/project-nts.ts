import { ConfigError } from "../../model/config-error";
import { isUserError } from "../../errors";
import { FingerprintSaltSpec, resolveSalt } from "../fingerprint";
import { AuthoritySpec, issueOrReuse, loadAuthority } from "./authority";
import { CertificateFacts, certificateFacts, chainPem, daysLeft, readCertificates } from "./certificate-facts";
import { CertificateSourceSpec, readCertificateSource } from "./certificate-source";
import { serverCertificateProblems } from "./check-server-certificate";
import { NtsKeySourceSpec, ntsKeyFingerprint, resolveNtsPrivateKey } from "./private-key";

/** An authority as the compiler declares it (structurally the fleet's NtsAuthorityDeclaration). */
export interface AuthorityToLoad extends AuthoritySpec {
  readonly ref: string;
}

/** A certificate as the compiler declares it (structurally the fleet's NtsCertificateDeclaration). */
export interface CertificateToResolve {
  readonly ref: string;
  readonly issuer:
    | { readonly authority: string; readonly extraNames: readonly string[]; readonly validityDays: number }
    | { readonly certificate: CertificateSourceSpec; readonly privateKey: NtsKeySourceSpec };
  readonly renewBeforeDays: number;
}

export interface ProjectNtsMaterial {
  authority(a: AuthorityToLoad): { readonly pem: string; readonly facts: CertificateFacts };
  certificate(
    c: CertificateToResolve,
    names: readonly string[],
    authority: AuthorityToLoad | undefined,
  ): {
    readonly pem: string;
    readonly facts: CertificateFacts;
    readonly keySource: NtsKeySourceSpec;
    readonly keyFingerprint: string;
    readonly warnings: readonly string[];
  };
}

/** The file stem of an issued certificate in its authority's folder, from its construct path. */
export function certificateFileName(ref: string): string {
  return ref.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|-+$/g, "") || "certificate";
}

/**
 * NTS material for synth, in the project folder: authorities are created in the key store on first
 * use, their certificates issued or reused (see issueOrReuse), brought certificates read and
 * checked against their keys. Keys are read only to check and fingerprint them; nothing here
 * returns one. `now` is for tests.
 */
export function projectNtsMaterial(projectDir: string, saltSpec: FingerprintSaltSpec, now: () => Date = () => new Date()): ProjectNtsMaterial {
  let salt: Buffer | undefined;
  const fingerprint = (key: Parameters<typeof ntsKeyFingerprint>[1]) =>
    ntsKeyFingerprint((salt ??= resolveSalt(saltSpec, projectDir, { create: true })), key);
  const config = <T>(where: string, run: () => T): T => {
    try {
      return run();
    } catch (err) {
      if (isUserError(err)) throw new ConfigError(`${where}: ${err.message}`);
      throw err;
    }
  };
  return {
    authority(a) {
      return config(`NtsCertificateAuthority ${a.ref}`, () => {
        const loaded = loadAuthority(a, projectDir, { create: true, now: now() });
        return { pem: loaded.pem, facts: certificateFacts(loaded.certificate) };
      });
    },
    certificate(c, names, authority) {
      return config(`NtsCertificate ${c.ref}`, () => {
        const at = now();
        if ("authority" in c.issuer) {
          const loaded = loadAuthority(authority!, projectDir, { create: true, now: at });
          const issued = issueOrReuse(loaded, authority!, {
            certificateName: certificateFileName(c.ref),
            names,
            validityDays: c.issuer.validityDays,
            renewBeforeDays: c.renewBeforeDays,
            now: at,
          });
          const key = resolveNtsPrivateKey(issued.keySource, projectDir, `NtsCertificate ${c.ref}`);
          const facts = certificateFacts(readCertificates(issued.pem, c.ref)[0]);
          const warnings =
            daysLeft(facts, at) < c.renewBeforeDays
              ? [
                  `NTS certificate ${c.ref} expires on ${facts.notAfter}, within renewBeforeDays ${c.renewBeforeDays}, because its authority's own certificate ends then: create a new authority`,
                ]
              : [];
          return { pem: issued.pem, facts, keySource: issued.keySource, keyFingerprint: fingerprint(key), warnings };
        }
        const chain = readCertificates(readCertificateSource(c.issuer.certificate, projectDir, `NtsCertificate ${c.ref}`), `NtsCertificate ${c.ref}`);
        const key = resolveNtsPrivateKey(c.issuer.privateKey, projectDir, `NtsCertificate ${c.ref}`);
        const problems = serverCertificateProblems(chain, key, [], at);
        if (problems.length > 0 && problems[0].startsWith("the private key")) throw new ConfigError(`NtsCertificate ${c.ref}: ${problems[0]}`);
        const facts = certificateFacts(chain[0]);
        const left = daysLeft(facts, at);
        const warnings = [
          ...problems.map((p) => `NTS certificate ${c.ref}: ${p}`),
          ...(left >= 0 && left < c.renewBeforeDays
            ? [`NTS certificate ${c.ref} expires in ${left} day(s) (${facts.notAfter}): renew it, then run synth again`]
            : []),
        ];
        return { pem: chainPem(chain), facts, keySource: c.issuer.privateKey, keyFingerprint: fingerprint(key), warnings };
      });
    },
  };
}
