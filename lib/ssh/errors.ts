import { UserError } from "../errors";

/** Why an SSH operation was refused or failed; stable, for callers that react to the cause. */
export type SshErrorCode =
  | "HOST_KEY_UNKNOWN"
  | "HOST_KEY_CHANGED"
  | "HOST_KEY_REVOKED"
  | "HOST_KEY_MISMATCH"
  | "AUTH_FAILED"
  | "CONNECTION_REFUSED"
  | "CONNECTION_TIMEOUT"
  | "CONNECTION_FAILED"
  | "CONNECTION_LOST"
  | "EXEC_FAILED"
  | "EXEC_TIMEOUT"
  | "SUDO_REFUSED"
  | "BAD_OPTIONS";

const SSH_ERROR = Symbol.for("cdktf-chrony/SshError");

/**
 * A one-line SSH failure with a `code`. It stays a `UserError` (same `name`, so the CLI's brand check
 * prints it as one line); use `isSshError` to tell it apart.
 */
export class SshError extends UserError {
  public readonly code: SshErrorCode;

  constructor(code: SshErrorCode, message: string) {
    super(message);
    this.code = code;
    Object.defineProperty(this, SSH_ERROR, { value: true });
  }
}

export function isSshError(x: unknown): x is SshError {
  return typeof x === "object" && x !== null && (x as Record<symbol, unknown>)[SSH_ERROR] === true;
}
