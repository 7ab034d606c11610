import { UserError } from "../errors";
import { resolveSalt } from "../keys/fingerprint";
import { readCertificates } from "../keys/nts/certificate-facts";
import { serverCertificateProblems } from "../keys/nts/check-server-certificate";
import { describeNtsKeySource, ntsKeyFingerprint, privateKeyPem, resolveNtsPrivateKey } from "../keys/nts/private-key";
import type { HostManifest } from "../manifest";

export interface ResolvedNtsKeyFile {
  /** The private key as it goes on the host (PKCS#8 PEM). Secret: never log it. */
  readonly content: string;
  /** The key differs from the one fingerprinted at synth: re-synth so the triggers follow. */
  readonly changedSinceSynth: boolean;
}

/**
 * An NTS server's private key, read from its source at apply time, and checked with the
 * certificate the manifest deploys beside it before anything is written to the host: the key is
 * the certificate's, the certificate is valid now, and it names every name the server's clients use.
 * Returns undefined for a host that is not an NTS server of the app.
 */
export function resolveNtsKeyFile(manifest: HostManifest, baseDir: string, now: Date = new Date()): ResolvedNtsKeyFile | undefined {
  const entry = manifest.nts?.key;
  if (!entry) return undefined;
  const server = manifest.nts!.certificates.find((c) => c.role === "server");
  const certFile = manifest.files.find((f) => f.role === "nts-cert");
  const where = `host ${manifest.id}: NTS certificate ${server?.name ?? "?"}`;
  if (!server || !certFile) throw new UserError(`${where}: the manifest has the key but no certificate: synthesize it again`);
  const key = resolveNtsPrivateKey(entry.source, baseDir, where);
  const problems = serverCertificateProblems(readCertificates(certFile.content, where), key, server.requiredNames, now);
  if (problems.length > 0) {
    if (entry.source.kind === "keyStore" && !readCertificates(certFile.content, where)[0].checkPrivateKey(key)) {
      throw new UserError(
        `${where}: the key store holds a key issued after this synth (it does not match the manifest's certificate): run synth again; nothing was written to the host`,
      );
    }
    throw new UserError(`${where} (key from ${describeNtsKeySource(entry.source)}): ${problems.join("; ")}; nothing was written to the host`);
  }
  const salt = resolveSalt(manifest.fingerprintSalt, baseDir, { create: false });
  return { content: privateKeyPem(key), changedSinceSynth: ntsKeyFingerprint(salt, key) !== entry.fingerprint };
}
