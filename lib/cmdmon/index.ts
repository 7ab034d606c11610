// cdktf-chrony/cmdmon: a client for chronyd's command protocol ("cmdmon", UDP port 323) and a reader
// of `chronyc -c` output, both producing the same typed reports. Every other module imports cmdmon
// through this file only.
//
//   protocol.ts  codes, lengths, limits (as chrony's candm.h and pktlength.c)
//   wire.ts      field codecs (Float, Timespec, IPAddr, refid) and the request/reply headers
//   reports.ts   one table entry per report: request body, reply decoder, codes and lengths
//   client.ts    the UDP client, endpoints, queryMany
//   chronyc.ts   the `chronyc -c` reader and chronyc-style text
//   waitsync.ts  chronyc waitsync's test of a TRACKING reply, and the loop that waits for it
//   types.ts     the report types and CmdmonError

// Reports and errors.
export {
  CmdmonError,
  isCmdmonError,
  type Activity,
  type AuthData,
  type AuthMode,
  type CmdmonErrorCode,
  type IpAddr,
  type LeapStatus,
  type NtpData,
  type NtpMode,
  type NtpTests,
  type RtcReport,
  type SelectData,
  type SelectOptions,
  type ServerStats,
  type SourceDataEntry,
  type SourceMode,
  type SourceReport,
  type SourceState,
  type SourceStats,
  type Timestamping,
  type Tracking,
} from "./types";

// The UDP client.
export {
  CmdmonClient,
  DEFAULT_CMDPORT,
  formatEndpoint,
  parseEndpoint,
  queryMany,
  type CmdmonClientOptions,
  type Endpoint,
  type EndpointResult,
  type QueryManyOptions,
  type SourceListOptions,
} from "./client";

// chronyc's output: the `-c` reader and the human layout.
export {
  chronycArgs,
  chronycFailure,
  formatRtcData,
  formatRtcDataCsv,
  formatSources,
  formatTracking,
  parseChronycActivity,
  parseChronycAuthData,
  parseChronycNtpData,
  parseChronycRtcData,
  parseChronycSelectData,
  parseChronycServerStats,
  parseChronycSourceStats,
  parseChronycSources,
  parseChronycTracking,
  type ChronycArgsOptions,
  type ChronycCsvCommand,
} from "./chronyc";

// chronyc waitsync's test and loop.
export { formatSyncTry, notSynchronised, waitSync, type SyncLimits, type SyncTry, type WaitSyncOptions, type WaitSyncResult } from "./waitsync";

// The pure codec: the report table, the field encodings, the protocol's tables.
export { Reports, decodeReply, encodeRequest, type Report } from "./reports";
export {
  AddressFamily,
  IP_ADDR_LENGTH,
  TIMESPEC_LENGTH,
  buildRequest,
  decodeChronyFloat,
  encodeChronyFloat,
  ipAddrToString,
  openReply,
  parseIpAddr,
  parseSourceAddress,
  readChronyFloat,
  readIpAddr,
  readTimespec,
  refIdToHex,
  refIdToText,
  replySequence,
  writeChronyFloat,
  writeIpAddr,
  type ReplyExpectation,
  type RequestEnvelope,
} from "./wire";
export {
  Command,
  MAX_REQUEST_LENGTH,
  MAX_SOURCES,
  PROTOCOL_VERSION,
  PacketType,
  REPLY_HEADER_LENGTH,
  REQUEST_HEADER_LENGTH,
  ReplyCode,
  Status,
  commandName,
  describeStatus,
  isSuccessStatus,
  replyLength,
  requestLength,
  type CommandCode,
  type ReplyCodeValue,
} from "./protocol";
