import { KeySourceSpec } from "../lib/keys/key-source";
import { KEY_TYPES, NtpKeyTypeName, keyTypeNames } from "../lib/keys/key-type";
import { ConfigError } from "../lib/model/config-error";
import { Construct } from "./cdk";
import { FleetRegistry } from "./fleet-registry";
import { KeySource } from "./key-source";

export interface NtpKeyProps {
  /** The key ID on source lines and in chrony.keys (1..2^32-1). */
  readonly keyId: number;
  /** @default "SHA256" */
  readonly type?: NtpKeyTypeName;
  /** @default KeySource.keyStore() */
  readonly source?: KeySourceSpec;
}

const NTP_KEY_BRAND = Symbol.for("cdktf-chrony.NtpKey");

/**
 * A symmetric NTP key shared by hosts: a server and its clients, or a peer pair. Hosts that use it
 * on a source line, and the hosts they point at, get it in chrony.keys; nothing else does.
 */
export class NtpKey extends Construct {
  public static isNtpKey(x: unknown): x is NtpKey {
    return typeof x === "object" && x !== null && NTP_KEY_BRAND in x;
  }

  public readonly keyId: number;
  public readonly type: NtpKeyTypeName;
  public readonly source: KeySourceSpec;

  constructor(scope: Construct, id: string, props: NtpKeyProps) {
    super(scope, id);
    Object.defineProperty(this, NTP_KEY_BRAND, { value: true });
    if (!Number.isInteger(props.keyId) || props.keyId < 1 || props.keyId > 2 ** 32 - 1) {
      throw new ConfigError(`invalid keyId ${props.keyId} for NtpKey '${id}': use a whole number from 1 to 4294967295 (0 means "no key" to chrony)`);
    }
    const type = props.type ?? "SHA256";
    if (!KEY_TYPES.has(type)) {
      throw new ConfigError(`invalid type '${type}' for NtpKey '${id}': use one of ${keyTypeNames()} (upper case, as in chrony.keys)`);
    }
    this.keyId = props.keyId;
    this.type = type;
    this.source = props.source ?? KeySource.keyStore();
    FleetRegistry.of(this).registerKey({ ref: this.node.path, keyId: this.keyId, type: this.type, source: this.source });
  }
}
