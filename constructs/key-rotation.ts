import { ConfigError } from "../lib/model/config-error";
import { Construct } from "./cdk";
import { NtpKey } from "./ntp-key";

/**
 * What a source needs from a key: the keys the hosts on both ends must hold, and the one the
 * source line names. An NtpKey is its own use; a KeyRotation changes both by phase.
 */
export interface KeyUse {
  readonly keysToHold: readonly NtpKey[];
  readonly keyOnSources: NtpKey;
}

export function keyUseOf(key: NtpKey | KeyRotation): KeyUse {
  return NtpKey.isNtpKey(key) ? { keysToHold: [key], keyOnSources: key } : key;
}

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
export class KeyRotation extends Construct implements KeyUse {
  public static isKeyRotation(x: unknown): x is KeyRotation {
    return typeof x === "object" && x !== null && ROTATION_BRAND in x;
  }

  public readonly from: NtpKey;
  public readonly to: NtpKey;
  public readonly phase: RotationPhase;

  constructor(scope: Construct, id: string, props: KeyRotationProps) {
    super(scope, id);
    Object.defineProperty(this, ROTATION_BRAND, { value: true });
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
  }

  public get keysToHold(): readonly NtpKey[] {
    return this.phase === RotationPhase.RETIRE ? [this.to] : [this.from, this.to];
  }

  public get keyOnSources(): NtpKey {
    return this.phase === RotationPhase.ADD ? this.from : this.to;
  }
}
