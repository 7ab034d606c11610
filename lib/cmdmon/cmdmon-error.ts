/**
 * Why a command-protocol exchange failed. Callers branch on `code`, never on the message text.
 *
 * - `truncated`: shorter than the reply header or than the length its reply code requires
 * - `oversized`: longer than chronyd could have sent (it never replies with more bytes than the request had)
 * - `malformed`: a header field or a body value that chronyd 4.3 never sends
 * - `version`: chronyd speaks another protocol version (status BADPKTVERSION)
 * - `mismatch`: the reply answers another command or sequence
 * - `unexpected-reply`: a success status with a reply code other than the one the command expects
 * - `unauthorised`: status UNAUTH, the command is served only on chronyd's Unix socket
 * - `no-such-source`: status NOSUCHSOURCE
 * - `status`: any other non-success status (see `status`)
 * - `timeout`, `unreachable`, `socket`, `closed`: transport failures of the UDP client
 * - `chronyc-output`: `chronyc -c` printed something the reader cannot take as the expected report
 */
export type CmdmonErrorCode =
  | "truncated"
  | "oversized"
  | "malformed"
  | "version"
  | "mismatch"
  | "unexpected-reply"
  | "unauthorised"
  | "no-such-source"
  | "status"
  | "timeout"
  | "unreachable"
  | "socket"
  | "closed"
  | "chronyc-output";

export class CmdmonError extends Error {
  public readonly code: CmdmonErrorCode;
  /** chronyd's status code, when the reply carried one that is not a success. */
  public readonly status?: number;

  constructor(code: CmdmonErrorCode, message: string, status?: number) {
    super(message);
    this.name = "CmdmonError";
    this.code = code;
    if (status !== undefined) this.status = status;
  }
}

/** Brand check that survives duplicate installs, unlike `instanceof`. */
export function isCmdmonError(x: unknown): x is CmdmonError {
  return typeof x === "object" && x !== null && (x as { name?: unknown }).name === "CmdmonError";
}
