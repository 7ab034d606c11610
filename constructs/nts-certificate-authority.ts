import { AUTHORITY_NAME } from "../lib/keys/nts/authority";
import { ConfigError } from "../lib/model/config-error";
import { Construct } from "./cdk";
import { hasControlCharacters } from "./certificate-source";
import { FleetRegistry } from "./fleet-registry";

export interface NtsCertificateAuthorityProps {
  /**
   * The authority's folder in the key store (`nts/<name>/`). `cdktf-chrony ca init NAME` creates
   * the same files ahead of synth.
   * @default - the construct id
   */
  readonly name?: string;
  /** The CA certificate's subject common name. @default - "cdktf-chrony NTS CA <name>" */
  readonly commonName?: string;
  /** The key store folder; relative paths are in the project folder. Keep it out of git. @default ".chrony-keys" */
  readonly keyStore?: string;
  /** Validity of the CA when synth creates it. @default 3650 */
  readonly validityDays?: number;
  /** Validity of the server certificates it issues. @default 365 */
  readonly certificateValidityDays?: number;
  /**
   * Synth re-issues a certificate with fewer days left, and `keys` and `drift` warn about it (the CA
   * itself too).
   * @default 30
   */
  readonly renewBeforeDays?: number;
  /** `drift` fails (exit 2) for a certificate (or the CA) with fewer days left. @default 7 */
  readonly hardLimitDays?: number;
}

const AUTHORITY_BRAND = Symbol.for("cdktf-chrony.NtsCertificateAuthority");

/** A whole number of days in a range, or a ConfigError naming the prop and the value. */
export function checkDays(where: string, prop: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const days = value ?? fallback;
  if (!Number.isInteger(days) || days < min || days > max) {
    throw new ConfigError(`${where}: invalid ${prop} ${String(value)}: use a whole number of days from ${min} to ${max}`);
  }
  return days;
}

/**
 * A private certificate authority for NTS, for labs and internal fleets. Its key is created at
 * synth (or by `cdktf-chrony ca init NAME`) in the project's key store and never leaves it. Give it
 * to a ChronyHost as `ntsCertificate` and synth issues that server a certificate for the names its
 * clients use; the clients that use the server with `nts: true` trust this CA automatically.
 * Issued certificates are kept in the key store and reused until their names change or they come
 * within `renewBeforeDays` of expiry.
 */
export class NtsCertificateAuthority extends Construct {
  public static isNtsCertificateAuthority(x: unknown): x is NtsCertificateAuthority {
    return typeof x === "object" && x !== null && AUTHORITY_BRAND in x;
  }

  public readonly name: string;
  public readonly keyStore: string;
  public readonly certificateValidityDays: number;
  public readonly renewBeforeDays: number;
  public readonly hardLimitDays: number;

  constructor(scope: Construct, id: string, props: NtsCertificateAuthorityProps = {}) {
    super(scope, id);
    Object.defineProperty(this, AUTHORITY_BRAND, { value: true });
    const where = `NtsCertificateAuthority '${id}'`;
    this.name = props.name ?? id;
    if (!AUTHORITY_NAME.test(this.name)) {
      throw new ConfigError(`${where}: invalid name '${this.name}': use letters, digits, '.', '_' and '-' (it names a folder in the key store)`);
    }
    this.keyStore = props.keyStore ?? ".chrony-keys";
    if (this.keyStore === "" || hasControlCharacters(this.keyStore)) {
      throw new ConfigError(`${where}: invalid keyStore ${JSON.stringify(this.keyStore)}: give a folder path without control characters`);
    }
    const commonName = props.commonName ?? `cdktf-chrony NTS CA ${this.name}`;
    if (commonName.trim() === "" || commonName.length > 64) {
      throw new ConfigError(`${where}: invalid commonName ${JSON.stringify(commonName)}: give 1 to 64 characters`);
    }
    const validityDays = checkDays(where, "validityDays", props.validityDays, 3650, 1, 36_500);
    this.certificateValidityDays = checkDays(where, "certificateValidityDays", props.certificateValidityDays, 365, 1, 3650);
    this.renewBeforeDays = checkDays(where, "renewBeforeDays", props.renewBeforeDays, 30, 1, 3649);
    this.hardLimitDays = checkDays(where, "hardLimitDays", props.hardLimitDays, 7, 0, this.renewBeforeDays);
    if (this.certificateValidityDays <= this.renewBeforeDays) {
      throw new ConfigError(
        `${where}: certificateValidityDays ${this.certificateValidityDays} must be more than renewBeforeDays ${this.renewBeforeDays}, or every synth would re-issue every certificate`,
      );
    }
    FleetRegistry.of(this).registerNtsAuthority({
      ref: this.node.path,
      keyStore: this.keyStore,
      name: this.name,
      commonName,
      validityDays,
      renewBeforeDays: this.renewBeforeDays,
      hardLimitDays: this.hardLimitDays,
    });
  }
}
