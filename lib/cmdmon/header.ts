import { CmdmonError } from "./cmdmon-error";
import { commandName, type CommandCode } from "./commands";
import { replyLength, type ReplyCodeValue } from "./reply-codes";
import { describeStatus, isSuccessStatus, Status } from "./status-codes";

export const PROTOCOL_VERSION = 6;
export const REQUEST_HEADER_LENGTH = 20;
export const REPLY_HEADER_LENGTH = 28;
/** chronyd drops longer requests. */
export const MAX_REQUEST_LENGTH = 860;

const PKT_TYPE_REQUEST = 1;
const PKT_TYPE_REPLY = 2;

/** What a request of one command looks like and what a successful reply must be. */
export interface CommandSpec {
  readonly command: CommandCode;
  readonly reply: ReplyCodeValue;
  /** Bytes of request body after the 20-byte header, before padding. */
  readonly bodyLength: number;
}

/** Per-try header fields: chronyc draws a new random sequence and bumps `attempt` on every resend. */
export interface RequestEnvelope {
  readonly sequence: number;
  /** @default 0 */
  readonly attempt?: number;
}

/**
 * chronyd answers only a request at least as long as its reply (anti-amplification), so the body is
 * followed by zeros up to the reply length.
 */
export function requestLength(spec: CommandSpec): number {
  return Math.max(REQUEST_HEADER_LENGTH + spec.bodyLength, replyLength(spec.reply));
}

/** A zero-filled request of the right size with its header written; `writeBody` fills from offset 20. */
export function buildRequest(
  spec: CommandSpec,
  envelope: RequestEnvelope,
  writeBody?: (view: DataView, bytes: Buffer) => void,
): Buffer {
  const bytes = Buffer.alloc(requestLength(spec));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  bytes[0] = PROTOCOL_VERSION;
  bytes[1] = PKT_TYPE_REQUEST;
  view.setUint16(4, spec.command, false);
  view.setUint16(6, (envelope.attempt ?? 0) & 0xffff, false);
  view.setUint32(8, envelope.sequence >>> 0, false);
  writeBody?.(view, bytes);
  return bytes;
}

/** The sequence a reply echoes, if it is long enough to carry one; lets a client route replies. */
export function replySequence(bytes: Uint8Array): number | undefined {
  if (bytes.length < REPLY_HEADER_LENGTH) return undefined;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(16, false);
}

/**
 * Checks a reply the way chronyc does, then its status and reply code, and returns a view of it.
 * Every later read of a body field stays within the length checked here.
 */
export function openReply(bytes: Uint8Array, spec: CommandSpec, sequence: number): DataView {
  const name = commandName(spec.command);
  if (bytes.length < REPLY_HEADER_LENGTH) {
    throw new CmdmonError(
      "truncated",
      `${name} reply is ${bytes.length} bytes, shorter than the ${REPLY_HEADER_LENGTH}-byte reply header`,
    );
  }
  const maxLength = requestLength(spec);
  if (bytes.length > maxLength) {
    throw new CmdmonError(
      "oversized",
      `${name} reply is ${bytes.length} bytes, longer than the ${maxLength}-byte request: chronyd never sends that, so it is not a chronyd reply`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[0];
  const status = view.getUint16(8, false);
  if (status === Status.BADPKTVERSION || version !== PROTOCOL_VERSION) {
    throw new CmdmonError(
      "version",
      `chronyd answered ${name} with protocol version ${version}${status === Status.BADPKTVERSION ? " and status BADPKTVERSION" : ""}; this client speaks version ${PROTOCOL_VERSION} (chrony 2.2 to 4.x): check the chronyd version on that host`,
      status,
    );
  }
  if (bytes[1] !== PKT_TYPE_REPLY || bytes[2] !== 0 || bytes[3] !== 0) {
    throw new CmdmonError(
      "malformed",
      `${name} reply has packet type ${bytes[1]} and reserved bytes ${bytes[2]},${bytes[3]}; expected type ${PKT_TYPE_REPLY} and zeros`,
    );
  }
  const echoedCommand = view.getUint16(4, false);
  if (echoedCommand !== spec.command) {
    throw new CmdmonError("mismatch", `reply echoes ${commandName(echoedCommand)}, expected ${name}`);
  }
  const echoedSequence = view.getUint32(16, false);
  if (echoedSequence !== sequence >>> 0) {
    throw new CmdmonError("mismatch", `${name} reply has sequence ${echoedSequence}, expected ${sequence >>> 0}`);
  }
  const reply = view.getUint16(6, false);
  const needed = replyLength(reply);
  if (bytes.length < needed) {
    throw new CmdmonError("truncated", `${name} reply with code ${reply} is ${bytes.length} bytes; that code needs ${needed}`);
  }
  if (!isSuccessStatus(status)) throw statusError(name, status);
  if (reply !== spec.reply) {
    throw new CmdmonError("unexpected-reply", `${name} got reply code ${reply}, expected ${spec.reply}`);
  }
  return view;
}

function statusError(name: string, status: number): CmdmonError {
  if (status === Status.UNAUTH) {
    return new CmdmonError(
      "unauthorised",
      `chronyd refused ${name} (status UNAUTH): this command is only served on chronyd's Unix socket (run chronyc on the host, e.g. over SSH)`,
      status,
    );
  }
  if (status === Status.NOSUCHSOURCE) {
    return new CmdmonError("no-such-source", `chronyd answered ${name} with NOSUCHSOURCE: no source has that index or address`, status);
  }
  return new CmdmonError("status", `chronyd answered ${name} with status ${status} ${describeStatus(status)}`, status);
}
