import { Command } from "./commands";
import { readChronyFloat } from "./float";
import { buildRequest, openReply, type CommandSpec, type RequestEnvelope } from "./header";
import { AddressFamily, IP_ADDR_LENGTH, ipAddrToString, readIpAddr, writeIpAddr, type IpAddr } from "./ip-addr";
import { leapStatusFromCode } from "./leap-status";
import { ntpTestsFromBits } from "./ntp-tests";
import { refIdToHex, refIdToText } from "./refid";
import { ReplyCode } from "./reply-codes";
import { readTimespec } from "./timespec";
import type { NtpData, NtpMode, Timestamping } from "./types";

export const NTP_DATA: CommandSpec = { command: Command.NTP_DATA, reply: ReplyCode.NTP_DATA, bodyLength: IP_ADDR_LENGTH };

const FLAG_TESTS = 0x3ff;
const FLAG_INTERLEAVED = 0x4000;
const FLAG_AUTHENTICATED = 0x8000;

export function encodeNtpDataRequest(addr: IpAddr, envelope: RequestEnvelope): Buffer {
  return buildRequest(NTP_DATA, envelope, (_view, bytes) => writeIpAddr(bytes, 20, addr));
}

export function decodeNtpDataReply(bytes: Uint8Array, sequence: number): NtpData {
  const view = openReply(bytes, NTP_DATA, sequence);
  const local = readIpAddr(bytes, 48);
  const stratum = bytes[73];
  const refId = view.getUint32(84, false);
  const refName = stratum <= 1 ? refIdToText(refId) : "";
  const flags = view.getUint16(120, false);
  return {
    remoteAddress: ipAddrToString(readIpAddr(bytes, 28)),
    remotePort: view.getUint16(68, false),
    localAddress: local.family === AddressFamily.UNSPEC ? null : ipAddrToString(local),
    leapStatus: leapStatusFromCode(bytes[70], "NTP_DATA reply"),
    version: bytes[71],
    mode: ntpMode(bytes[72]),
    stratum,
    poll: view.getInt8(74),
    precision: view.getInt8(75),
    rootDelay: readChronyFloat(view, 76),
    rootDispersion: readChronyFloat(view, 80),
    refId: refIdToHex(refId),
    ...(refName === "" ? {} : { refName }),
    refTime: readTimespec(view, 88),
    offset: readChronyFloat(view, 100),
    peerDelay: readChronyFloat(view, 104),
    peerDispersion: readChronyFloat(view, 108),
    responseTime: readChronyFloat(view, 112),
    jitterAsymmetry: readChronyFloat(view, 116),
    tests: ntpTestsFromBits(flags & FLAG_TESTS),
    testBits: flags & FLAG_TESTS,
    interleaved: (flags & FLAG_INTERLEAVED) !== 0,
    authenticated: (flags & FLAG_AUTHENTICATED) !== 0,
    txTimestamping: timestamping(bytes[122]),
    rxTimestamping: timestamping(bytes[123]),
    totalTx: view.getUint32(124, false),
    totalRx: view.getUint32(128, false),
    totalValidRx: view.getUint32(132, false),
    totalGoodRx: view.getUint32(136, false),
  };
}

// NTP packet modes: 1 symmetric active, 2 symmetric passive, 4 server. 0 = nothing received yet.
function ntpMode(mode: number): NtpMode {
  switch (mode) {
    case 1:
      return "symmetricActive";
    case 2:
      return "symmetricPassive";
    case 4:
      return "server";
    default:
      return "unknown";
  }
}

function timestamping(char: number): Timestamping {
  switch (String.fromCharCode(char)) {
    case "D":
      return "daemon";
    case "K":
      return "kernel";
    case "H":
      return "hardware";
    default:
      return "unknown";
  }
}
