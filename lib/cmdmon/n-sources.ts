import { Command } from "./commands";
import { buildRequest, openReply, type CommandSpec, type RequestEnvelope } from "./header";
import { ReplyCode } from "./reply-codes";

export const N_SOURCES: CommandSpec = { command: Command.N_SOURCES, reply: ReplyCode.N_SOURCES, bodyLength: 0 };

export function encodeNSourcesRequest(envelope: RequestEnvelope): Buffer {
  return buildRequest(N_SOURCES, envelope);
}

/** How many sources chronyd has; their indices run 0..n−1. */
export function decodeNSourcesReply(bytes: Uint8Array, sequence: number): number {
  return openReply(bytes, N_SOURCES, sequence).getUint32(28, false);
}
