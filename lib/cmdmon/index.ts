// The command-protocol package: a pure codec (one module per packet family), the UDP client, and
// the reader of `chronyc -c` output, all producing the types in ./types.
export * from "./types";
export { CmdmonError, isCmdmonError, type CmdmonErrorCode } from "./cmdmon-error";
export { CmdmonClient, type CmdmonClientOptions, type SourceListOptions } from "./client";
export { queryMany, type EndpointResult, type QueryManyOptions } from "./query-many";
export { DEFAULT_CMDPORT, formatEndpoint, parseEndpoint, type Endpoint } from "./endpoint";
export {
  chronycArgs,
  chronycFailure,
  parseChronycActivity,
  parseChronycAuthData,
  parseChronycNtpData,
  parseChronycSelectData,
  parseChronycServerStats,
  parseChronycSourceStats,
  parseChronycSources,
  parseChronycTracking,
  type ChronycArgsOptions,
  type ChronycCsvCommand,
} from "./chronyc-csv";
export type { CmdmonExchange } from "./exchanges";
export { formatSources, formatTracking } from "./chronyc-format";
// The pure codec, one module per packet family.
export { buildRequest, openReply, replySequence, requestLength, PROTOCOL_VERSION, type CommandSpec, type RequestEnvelope } from "./header";
export { N_SOURCES, decodeNSourcesReply, encodeNSourcesRequest } from "./n-sources";
export { SOURCE_DATA, decodeSourceDataReply, encodeSourceDataRequest, type SourceDataEntry } from "./source-data";
export { NTP_SOURCE_NAME, decodeNtpSourceNameReply, encodeNtpSourceNameRequest } from "./ntp-source-name";
export { TRACKING, decodeTrackingReply, encodeTrackingRequest } from "./tracking";
export { SOURCESTATS, decodeSourceStatsReply, encodeSourceStatsRequest } from "./sourcestats";
export { ACTIVITY, decodeActivityReply, encodeActivityRequest } from "./activity";
export { NTP_DATA, decodeNtpDataReply, encodeNtpDataRequest } from "./ntp-data";
export { AUTH_DATA, decodeAuthDataReply, encodeAuthDataRequest, type AuthDataFields } from "./auth-data";
export { SELECT_DATA, decodeSelectDataReply, encodeSelectDataRequest } from "./select-data";
export { SERVER_STATS, decodeServerStatsReply, encodeServerStatsRequest } from "./server-stats";
export { decodeChronyFloat, encodeChronyFloat } from "./float";
export { AddressFamily, ipAddrToString, parseIpAddr, parseSourceAddress, type IpAddr } from "./ip-addr";
export { Command, type CommandCode } from "./commands";
export { ReplyCode, replyLength } from "./reply-codes";
export { Status, describeStatus, isSuccessStatus } from "./status-codes";
