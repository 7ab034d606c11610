import { Command } from "./commands";
import { buildRequest, openReply, type CommandSpec, type RequestEnvelope } from "./header";
import { IP_ADDR_LENGTH, writeIpAddr, type IpAddr } from "./ip-addr";
import { ReplyCode } from "./reply-codes";
import type { AuthData, AuthMode } from "./types";

export const AUTH_DATA: CommandSpec = { command: Command.AUTH_DATA, reply: ReplyCode.AUTH_DATA, bodyLength: IP_ADDR_LENGTH };

const AUTH_MODES: readonly AuthMode[] = ["none", "symmetric", "nts"];
const NEVER = 0xffffffff;

/** The reply does not repeat the address it was asked about; the caller adds it. */
export type AuthDataFields = Omit<AuthData, "address" | "name">;

export function encodeAuthDataRequest(addr: IpAddr, envelope: RequestEnvelope): Buffer {
  return buildRequest(AUTH_DATA, envelope, (_view, bytes) => writeIpAddr(bytes, 20, addr));
}

export function decodeAuthDataReply(bytes: Uint8Array, sequence: number): AuthDataFields {
  const view = openReply(bytes, AUTH_DATA, sequence);
  const lastKeAgo = view.getUint32(40, false);
  return {
    mode: AUTH_MODES[view.getUint16(28, false)] ?? "unknown",
    keyId: view.getUint32(32, false),
    keyType: view.getUint16(30, false),
    keyLengthBits: view.getUint16(36, false),
    lastKeAgo: lastKeAgo === NEVER ? null : lastKeAgo,
    keAttempts: view.getUint16(38, false),
    nak: view.getUint16(48, false),
    cookies: view.getUint16(44, false),
    cookieLength: view.getUint16(46, false),
  };
}
