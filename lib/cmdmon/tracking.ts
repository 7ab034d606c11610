import { Command } from "./commands";
import { readChronyFloat } from "./float";
import { buildRequest, openReply, type CommandSpec, type RequestEnvelope } from "./header";
import { addressOrRefIdText, readIpAddr } from "./ip-addr";
import { leapStatusFromCode } from "./leap-status";
import { refIdToHex } from "./refid";
import { ReplyCode } from "./reply-codes";
import { readTimespec } from "./timespec";
import type { Tracking } from "./types";

export const TRACKING: CommandSpec = { command: Command.TRACKING, reply: ReplyCode.TRACKING, bodyLength: 0 };

export function encodeTrackingRequest(envelope: RequestEnvelope): Buffer {
  return buildRequest(TRACKING, envelope);
}

export function decodeTrackingReply(bytes: Uint8Array, sequence: number): Tracking {
  const view = openReply(bytes, TRACKING, sequence);
  const refId = view.getUint32(28, false);
  const refName = addressOrRefIdText(readIpAddr(bytes, 32), refId);
  return {
    refId: refIdToHex(refId),
    ...(refName === "" ? {} : { refName }),
    stratum: view.getUint16(52, false),
    leapStatus: leapStatusFromCode(view.getUint16(54, false), "TRACKING reply"),
    refTime: readTimespec(view, 56),
    systemTimeOffset: readChronyFloat(view, 68),
    lastOffset: readChronyFloat(view, 72),
    rmsOffset: readChronyFloat(view, 76),
    frequencyPpm: readChronyFloat(view, 80),
    residualFrequencyPpm: readChronyFloat(view, 84),
    skewPpm: readChronyFloat(view, 88),
    rootDelay: readChronyFloat(view, 92),
    rootDispersion: readChronyFloat(view, 96),
    updateInterval: readChronyFloat(view, 100),
  };
}
