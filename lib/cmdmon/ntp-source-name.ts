import { CmdmonError } from "./cmdmon-error";
import { Command } from "./commands";
import { buildRequest, openReply, type CommandSpec, type RequestEnvelope } from "./header";
import { IP_ADDR_LENGTH, writeIpAddr, type IpAddr } from "./ip-addr";
import { ReplyCode } from "./reply-codes";

export const NTP_SOURCE_NAME: CommandSpec = {
  command: Command.NTP_SOURCE_NAME,
  reply: ReplyCode.NTP_SOURCE_NAME,
  bodyLength: IP_ADDR_LENGTH,
};

const NAME_OFFSET = 28;
const NAME_LENGTH = 256;

export function encodeNtpSourceNameRequest(addr: IpAddr, envelope: RequestEnvelope): Buffer {
  return buildRequest(NTP_SOURCE_NAME, envelope, (_view, bytes) => writeIpAddr(bytes, 20, addr));
}

/** The name an NTP source was configured with (hostname or address text). */
export function decodeNtpSourceNameReply(bytes: Uint8Array, sequence: number): string {
  openReply(bytes, NTP_SOURCE_NAME, sequence);
  const field = bytes.subarray(NAME_OFFSET, NAME_OFFSET + NAME_LENGTH);
  // Like chronyc: a name filling all 256 bytes has no terminator and is refused, and only
  // printable non-space ASCII is accepted (hostnames and addresses never need more).
  if (field[NAME_LENGTH - 1] !== 0) {
    throw new CmdmonError("malformed", "NTP_SOURCE_NAME reply has a name of 256 bytes without its terminating NUL");
  }
  let name = "";
  for (const byte of field) {
    if (byte === 0) break;
    if (byte < 0x21 || byte > 0x7e) {
      throw new CmdmonError("malformed", `NTP_SOURCE_NAME reply has byte 0x${byte.toString(16).padStart(2, "0")} in the name; chrony names are printable ASCII`);
    }
    name += String.fromCharCode(byte);
  }
  return name;
}
