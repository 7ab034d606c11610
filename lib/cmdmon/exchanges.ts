import { decodeActivityReply, encodeActivityRequest } from "./activity";
import { decodeAuthDataReply, encodeAuthDataRequest, type AuthDataFields } from "./auth-data";
import type { RequestEnvelope } from "./header";
import type { IpAddr } from "./ip-addr";
import { decodeNSourcesReply, encodeNSourcesRequest } from "./n-sources";
import { decodeNtpDataReply, encodeNtpDataRequest } from "./ntp-data";
import { decodeNtpSourceNameReply, encodeNtpSourceNameRequest } from "./ntp-source-name";
import { decodeSelectDataReply, encodeSelectDataRequest } from "./select-data";
import { decodeServerStatsReply, encodeServerStatsRequest } from "./server-stats";
import { decodeSourceDataReply, encodeSourceDataRequest, type SourceDataEntry } from "./source-data";
import { decodeSourceStatsReply, encodeSourceStatsRequest } from "./sourcestats";
import { decodeTrackingReply, encodeTrackingRequest } from "./tracking";
import type { Activity, NtpData, SelectData, ServerStats, SourceStats, Tracking } from "./types";

/** One request/reply pair: how to build each try's datagram and how to read the answer. */
export interface CmdmonExchange<T> {
  readonly name: string;
  encode(envelope: RequestEnvelope): Buffer;
  decode(bytes: Uint8Array, sequence: number): T;
}

export const trackingExchange: CmdmonExchange<Tracking> = {
  name: "TRACKING",
  encode: encodeTrackingRequest,
  decode: decodeTrackingReply,
};

export const nSourcesExchange: CmdmonExchange<number> = {
  name: "N_SOURCES",
  encode: encodeNSourcesRequest,
  decode: decodeNSourcesReply,
};

export const activityExchange: CmdmonExchange<Activity> = {
  name: "ACTIVITY",
  encode: encodeActivityRequest,
  decode: decodeActivityReply,
};

export const serverStatsExchange: CmdmonExchange<ServerStats> = {
  name: "SERVER_STATS",
  encode: encodeServerStatsRequest,
  decode: decodeServerStatsReply,
};

export function sourceDataExchange(index: number): CmdmonExchange<SourceDataEntry> {
  return { name: "SOURCE_DATA", encode: (e) => encodeSourceDataRequest(index, e), decode: decodeSourceDataReply };
}

export function sourceStatsExchange(index: number): CmdmonExchange<SourceStats> {
  return { name: "SOURCESTATS", encode: (e) => encodeSourceStatsRequest(index, e), decode: decodeSourceStatsReply };
}

export function selectDataExchange(index: number): CmdmonExchange<SelectData> {
  return { name: "SELECT_DATA", encode: (e) => encodeSelectDataRequest(index, e), decode: decodeSelectDataReply };
}

export function ntpSourceNameExchange(addr: IpAddr): CmdmonExchange<string> {
  return { name: "NTP_SOURCE_NAME", encode: (e) => encodeNtpSourceNameRequest(addr, e), decode: decodeNtpSourceNameReply };
}

export function ntpDataExchange(addr: IpAddr): CmdmonExchange<NtpData> {
  return { name: "NTP_DATA", encode: (e) => encodeNtpDataRequest(addr, e), decode: decodeNtpDataReply };
}

export function authDataExchange(addr: IpAddr): CmdmonExchange<AuthDataFields> {
  return { name: "AUTH_DATA", encode: (e) => encodeAuthDataRequest(addr, e), decode: decodeAuthDataReply };
}
