import { KeySourceSpec } from "../lib/keys/key-source";
import { CertificateSourceSpec } from "../lib/keys/nts/certificate-source";
import { ConfigError } from "../lib/model/config-error";
import { hostOrAddress, isProblem } from "../lib/model/tokens";
import { Construct } from "./cdk";
import { FleetRegistry } from "./fleet-registry";
import { NtsCertificateAuthority, checkDays } from "./nts-certificate-authority";

export interface NtsCertificateProps {
  /**
   * Issue the certificate from this authority of the app, for the NTP address of every host that
   * holds it (what their clients connect to) and `extraNames`. Give either this or `certificate`.
   * @default - none: bring a certificate
   */
  readonly authority?: NtsCertificateAuthority;
  /** More subjectAltName entries for an issued certificate, e.g. the DNS name clients outside the app use. @default - none */
  readonly extraNames?: readonly string[];
  /** The PEM chain of a certificate you bring (CertificateSource.file/env/command). @default - none: issued by `authority` */
  readonly certificate?: CertificateSourceSpec;
  /**
   * The private key of a certificate you bring, in PEM (KeySource.env/file/command; never in git).
   * It is read at synth to check it matches and to fingerprint it, and at apply to write it on the host.
   * @default - none: issued by `authority` (the key store holds it)
   */
  readonly privateKey?: KeySourceSpec;
  /** Validity of an issued certificate. @default - the authority's certificateValidityDays */
  readonly validityDays?: number;
  /** `keys` and `drift` warn (and synth re-issues an issued certificate) with fewer days left. @default - the authority's, or 30 */
  readonly renewBeforeDays?: number;
  /** `drift` fails (exit 2) with fewer days left. @default - the authority's, or 7 */
  readonly hardLimitDays?: number;
}

const CERTIFICATE_BRAND = Symbol.for("cdktf-chrony.NtsCertificate");

/**
 * An NTS server's certificate and private key, managed like an NTP key: the key comes from a
 * secret source (or the key store of an NtsCertificateAuthority that issues the certificate) and
 * reaches only the hosts that serve with it, written 0640 with chrony's group. Only its keyed
 * fingerprint and the certificate's public facts reach synth output, state and logs.
 */
export class NtsCertificate extends Construct {
  public static isNtsCertificate(x: unknown): x is NtsCertificate {
    return typeof x === "object" && x !== null && CERTIFICATE_BRAND in x;
  }

  /** The authority that issues it, if it is not brought. */
  public readonly authority?: NtsCertificateAuthority;

  constructor(scope: Construct, id: string, props: NtsCertificateProps) {
    super(scope, id);
    Object.defineProperty(this, CERTIFICATE_BRAND, { value: true });
    const where = `NtsCertificate '${this.node.path}'`;
    const issued = props.authority !== undefined;
    if (issued === (props.certificate !== undefined)) {
      throw new ConfigError(
        `${where}: give either authority (an NtsCertificateAuthority issues it) or certificate and privateKey (you bring them), not ${issued ? "both" : "neither"}`,
      );
    }
    if (issued && !NtsCertificateAuthority.isNtsCertificateAuthority(props.authority))
      throw new ConfigError(`${where}: authority must be an NtsCertificateAuthority`);
    if (issued && props.privateKey !== undefined)
      throw new ConfigError(`${where}: an issued certificate's key is generated in the authority's key store: drop privateKey`);
    if (!issued && props.extraNames !== undefined)
      throw new ConfigError(`${where}: extraNames are for issued certificates; a brought certificate names what it names`);
    if (!issued && props.validityDays !== undefined) throw new ConfigError(`${where}: validityDays is for issued certificates`);
    if (!issued && props.privateKey === undefined)
      throw new ConfigError(`${where}: a brought certificate needs its privateKey (KeySource.env, file or command)`);
    for (const name of props.extraNames ?? []) {
      if (typeof name !== "string" || isProblem(hostOrAddress(name)))
        throw new ConfigError(`${where}: invalid extraNames entry ${JSON.stringify(name)}: use a DNS name or an IP address`);
    }
    const a = props.authority;
    const renewBeforeDays = checkDays(where, "renewBeforeDays", props.renewBeforeDays, a?.renewBeforeDays ?? 30, 1, 3649);
    const hardLimitDays = checkDays(
      where,
      "hardLimitDays",
      props.hardLimitDays,
      Math.min(a?.hardLimitDays ?? 7, renewBeforeDays),
      0,
      renewBeforeDays,
    );
    this.authority = a;
    let issuer;
    if (a) {
      const validityDays = checkDays(where, "validityDays", props.validityDays, a.certificateValidityDays, 1, 3650);
      if (validityDays <= renewBeforeDays) {
        throw new ConfigError(
          `${where}: validityDays ${validityDays} must be more than renewBeforeDays ${renewBeforeDays}, or every synth would re-issue it`,
        );
      }
      issuer = { authority: a.node.path, extraNames: [...(props.extraNames ?? [])], validityDays };
    } else {
      const key = props.privateKey!;
      if (key.kind === "keyStore") {
        throw new ConfigError(
          `${where}: privateKey cannot be KeySource.keyStore (it generates NTP keys): use KeySource.file, env or command, or let an NtsCertificateAuthority issue the certificate`,
        );
      }
      issuer = { certificate: props.certificate!, privateKey: key };
    }
    FleetRegistry.of(this).registerNtsCertificate({ ref: this.node.path, issuer, renewBeforeDays, hardLimitDays });
  }
}
