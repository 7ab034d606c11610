import { ConfigError } from "../lib/model/config-error";
import { Construct } from "./cdk";
import { FleetRegistry } from "./fleet-registry";
import { NtpKey } from "./ntp-key";

/** The three deploys of a rotation; each keeps every client authenticated. */
export enum RotationPhase {
  /** Every host holds both keys; sources still use the old one. */
  ADD = "add",
  /** Sources switch to the new key; both are still held. */
  SWITCH = "switch",
  /** The old key is removed everywhere. */
  RETIRE = "retire",
}

export interface KeyRotationProps {
  readonly from: NtpKey;
  readonly to: NtpKey;
  readonly phase: RotationPhase;
}

const ROTATION_BRAND = Symbol.for("cdktf-chrony.KeyRotation");

/**
 * Rotates a key across the fleet in three deploys: use the rotation wherever the old key was
 * used, and move `phase` from ADD to SWITCH to RETIRE, deploying (and verifying) after each.
 */
export class KeyRotation extends Construct {
  public static isKeyRotation(x: unknown): x is KeyRotation {
    return typeof x === "object" && x !== null && ROTATION_BRAND in x;
  }

  public readonly from: NtpKey;
  public readonly to: NtpKey;
  public readonly phase: RotationPhase;

  constructor(scope: Construct, id: string, props: KeyRotationProps) {
    super(scope, id);
    Object.defineProperty(this, ROTATION_BRAND, { value: true });
    if (!NtpKey.isNtpKey(props.from) || !NtpKey.isNtpKey(props.to)) {
      throw new ConfigError(`KeyRotation '${id}': from and to must be NtpKey constructs`);
    }
    if (props.from.keyId === props.to.keyId) {
      throw new ConfigError(
        `KeyRotation '${id}': the new key has the same ID (${props.to.keyId}) as the old one; give it a new ID so both can be held during the rotation`,
      );
    }
    if (!Object.values(RotationPhase).includes(props.phase)) {
      throw new ConfigError(`KeyRotation '${id}': invalid phase '${String(props.phase)}': use RotationPhase.ADD, SWITCH or RETIRE`);
    }
    this.from = props.from;
    this.to = props.to;
    this.phase = props.phase;
    FleetRegistry.of(this).registerRotation({ ref: this.node.path, from: this.from.node.path, to: this.to.node.path, phase: this.phase });
  }
}
