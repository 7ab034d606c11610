import { Command } from "./commands";
import { readChronyFloat } from "./float";
import { buildRequest, openReply, type CommandSpec, type RequestEnvelope } from "./header";
import { addressOrRefIdText, readIpAddr } from "./ip-addr";
import { ReplyCode } from "./reply-codes";
import { checkSourceIndex } from "./source-index";
import type { SourceStats } from "./types";

export const SOURCESTATS: CommandSpec = { command: Command.SOURCESTATS, reply: ReplyCode.SOURCESTATS, bodyLength: 4 };

export function encodeSourceStatsRequest(index: number, envelope: RequestEnvelope): Buffer {
  checkSourceIndex(index);
  return buildRequest(SOURCESTATS, envelope, (view) => view.setUint32(20, index, false));
}

export function decodeSourceStatsReply(bytes: Uint8Array, sequence: number): SourceStats {
  const view = openReply(bytes, SOURCESTATS, sequence);
  return {
    address: addressOrRefIdText(readIpAddr(bytes, 32), view.getUint32(28, false)),
    samples: view.getUint32(52, false),
    runs: view.getUint32(56, false),
    spanSeconds: view.getUint32(60, false),
    frequencyPpm: readChronyFloat(view, 68),
    skewPpm: readChronyFloat(view, 72),
    offset: readChronyFloat(view, 76),
    stdDev: readChronyFloat(view, 64),
    offsetError: readChronyFloat(view, 80),
  };
}
