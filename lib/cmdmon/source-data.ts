import { CmdmonError } from "./cmdmon-error";
import { Command } from "./commands";
import { readChronyFloat } from "./float";
import { buildRequest, openReply, type CommandSpec, type RequestEnvelope } from "./header";
import { AddressFamily, ipAddrToString, readIpAddr, refIdOfRefclockAddress, type IpAddr } from "./ip-addr";
import { refIdToText } from "./refid";
import { ReplyCode } from "./reply-codes";
import { checkSourceIndex } from "./source-index";
import type { SourceMode, SourceReport, SourceState } from "./types";

export const SOURCE_DATA: CommandSpec = { command: Command.SOURCE_DATA, reply: ReplyCode.SOURCE_DATA, bodyLength: 4 };

const MODES: readonly SourceMode[] = ["server", "peer", "refclock"];
// Wire order of chronyd's RPY_SD_ST_* values; "UNSELECTED" (4) is what chronyc shows as combined.
const STATES: readonly SourceState[] = ["selected", "nonselectable", "falseticker", "jittery", "combined", "notCombined"];
const NO_SAMPLE_YET = 0xffffffff;

/** One SOURCE_DATA answer: the report, and the address block to send back for per-source queries. */
export interface SourceDataEntry {
  readonly ipAddr: IpAddr;
  readonly source: SourceReport;
}

export function encodeSourceDataRequest(index: number, envelope: RequestEnvelope): Buffer {
  checkSourceIndex(index);
  return buildRequest(SOURCE_DATA, envelope, (view) => view.setUint32(20, index, false));
}

export function decodeSourceDataReply(bytes: Uint8Array, sequence: number): SourceDataEntry {
  const view = openReply(bytes, SOURCE_DATA, sequence);
  const ipAddr = readIpAddr(bytes, 28);
  const modeCode = view.getUint16(54, false);
  const mode = MODES[modeCode];
  if (mode === undefined) throw new CmdmonError("malformed", `SOURCE_DATA reply has source mode ${modeCode}; chrony uses 0 to 2`);
  const stateCode = view.getUint16(52, false);
  const state = STATES[stateCode];
  if (state === undefined) throw new CmdmonError("malformed", `SOURCE_DATA reply has source state ${stateCode}; chrony uses 0 to 5`);
  const reach = view.getUint16(58, false);
  if (reach > 0xff) throw new CmdmonError("malformed", `SOURCE_DATA reply has reachability ${reach}; the register has 8 bits`);
  const sinceSample = view.getUint32(60, false);
  // A refclock travels as an INET4 "address" whose bytes are its refid, and chronyc prints the refid.
  const address =
    mode === "refclock" && ipAddr.family === AddressFamily.INET4
      ? refIdToText(refIdOfRefclockAddress(ipAddr))
      : ipAddrToString(ipAddr);
  return {
    ipAddr,
    source: {
      address,
      mode,
      state,
      stratum: view.getUint16(50, false),
      poll: view.getInt16(48, false),
      reach,
      lastRx: sinceSample === NO_SAMPLE_YET ? null : sinceSample,
      offset: readChronyFloat(view, 68),
      measuredOffset: readChronyFloat(view, 64),
      error: readChronyFloat(view, 72),
    },
  };
}
