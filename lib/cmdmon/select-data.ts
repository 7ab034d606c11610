import { CmdmonError } from "./cmdmon-error";
import { Command } from "./commands";
import { readChronyFloat } from "./float";
import { buildRequest, openReply, type CommandSpec, type RequestEnvelope } from "./header";
import { addressOrRefIdText, readIpAddr } from "./ip-addr";
import { leapStatusFromCode } from "./leap-status";
import { ReplyCode } from "./reply-codes";
import { checkSourceIndex } from "./source-index";
import type { SelectData, SelectOptions } from "./types";

export const SELECT_DATA: CommandSpec = { command: Command.SELECT_DATA, reply: ReplyCode.SELECT_DATA, bodyLength: 4 };

export function encodeSelectDataRequest(index: number, envelope: RequestEnvelope): Buffer {
  checkSourceIndex(index);
  return buildRequest(SELECT_DATA, envelope, (view) => view.setUint32(20, index, false));
}

export function selectOptionsFromBits(bits: number): SelectOptions {
  return {
    noselect: (bits & 0x1) !== 0,
    prefer: (bits & 0x2) !== 0,
    trust: (bits & 0x4) !== 0,
    require: (bits & 0x8) !== 0,
  };
}

export function decodeSelectDataReply(bytes: Uint8Array, sequence: number): SelectData {
  const view = openReply(bytes, SELECT_DATA, sequence);
  const stateByte = bytes[52];
  if (stateByte < 0x21 || stateByte > 0x7e) {
    throw new CmdmonError("malformed", `SELECT_DATA reply has state byte 0x${stateByte.toString(16)}; chrony sends a printable letter`);
  }
  return {
    address: addressOrRefIdText(readIpAddr(bytes, 32), view.getUint32(28, false)),
    stateChar: String.fromCharCode(stateByte),
    authenticated: bytes[53] !== 0,
    configuredOptions: selectOptionsFromBits(view.getUint16(56, false)),
    effectiveOptions: selectOptionsFromBits(view.getUint16(58, false)),
    lastSampleAgo: view.getUint32(60, false),
    score: readChronyFloat(view, 64),
    loLimit: readChronyFloat(view, 68),
    hiLimit: readChronyFloat(view, 72),
    leapStatus: leapStatusFromCode(bytes[54], "SELECT_DATA reply"),
  };
}
