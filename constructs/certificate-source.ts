import { CertificateSourceSpec } from "../lib/keys/nts/certificate-source";
import { ConfigError } from "../lib/model/config-error";

/** A path the controller reads may not hold control characters (it would not survive a manifest line). */
export function hasControlCharacters(text: string): boolean {
  return [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

/**
 * Where the certificate chain of an NtsCertificate you bring comes from (PEM, the server's
 * certificate first, then any intermediates). It is public: synth reads it into the manifest.
 * Relative paths resolve against the project folder, `~/` against the home folder.
 */
export class CertificateSource {
  /** A PEM file, e.g. what certbot or your PKI writes. */
  public static file(filePath: string): CertificateSourceSpec {
    if (typeof filePath !== "string" || filePath === "" || hasControlCharacters(filePath)) {
      throw new ConfigError(`CertificateSource.file: invalid path ${JSON.stringify(filePath)}: give a file path without control characters`);
    }
    return { kind: "file", path: filePath };
  }

  /** An environment variable holding the PEM chain. */
  public static env(variable: string): CertificateSourceSpec {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable))
      throw new ConfigError(`invalid environment variable name '${variable}': use letters, digits and underscores`);
    return { kind: "env", variable };
  }

  /** A command that prints the PEM chain, e.g. `["vault", "kv", "get", "-field=chain", "secret/ntp-a"]`. */
  public static command(argv: readonly string[]): CertificateSourceSpec {
    if (argv.length === 0 || argv[0] === "") throw new ConfigError('CertificateSource.command needs a program to run, e.g. ["cat", "pki/ntp-a.pem"]');
    return { kind: "command", argv: [...argv] };
  }
}
