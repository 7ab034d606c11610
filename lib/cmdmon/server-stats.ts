import { Command } from "./commands";
import { buildRequest, openReply, type CommandSpec, type RequestEnvelope } from "./header";
import { ReplyCode } from "./reply-codes";
import type { ServerStats } from "./types";

/** chronyd 4.3 answers with SERVER_STATS3 (32-bit counters); 4.4 changed to a longer reply. */
export const SERVER_STATS: CommandSpec = { command: Command.SERVER_STATS, reply: ReplyCode.SERVER_STATS3, bodyLength: 0 };

export function encodeServerStatsRequest(envelope: RequestEnvelope): Buffer {
  return buildRequest(SERVER_STATS, envelope);
}

export function decodeServerStatsReply(bytes: Uint8Array, sequence: number): ServerStats {
  const view = openReply(bytes, SERVER_STATS, sequence);
  const u32 = (offset: number): number => view.getUint32(offset, false);
  return {
    ntpHits: u32(28),
    nkeHits: u32(32),
    cmdHits: u32(36),
    ntpDrops: u32(40),
    nkeDrops: u32(44),
    cmdDrops: u32(48),
    logDrops: u32(52),
    ntpAuthHits: u32(56),
    ntpInterleavedHits: u32(60),
    ntpTimestamps: u32(64),
    ntpSpanSeconds: u32(68),
  };
}
