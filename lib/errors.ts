/**
 * A mistake the user can fix: bad input, an unreachable host, a refused host key.
 *
 * The CLI prints `message` as one line and exits 1, without a stack trace. Messages say what is
 * wrong, quote the value received, and say how to fix it. They never contain key material.
 */
export class UserError extends Error {
  public readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "UserError";
    this.exitCode = exitCode;
  }
}

/** Brand check that survives duplicate installs, unlike `instanceof`. */
export function isUserError(x: unknown): x is UserError {
  return typeof x === "object" && x !== null && (x as { name?: unknown }).name === "UserError";
}
