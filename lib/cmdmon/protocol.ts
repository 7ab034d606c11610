// chronyd's command protocol as tables: command codes, reply codes and their lengths, status codes,
// header sizes and the limits a reply is held to. Numbering and lengths are chrony 4.3's (protocol
// version 6, unchanged up to 4.8), checked against a live chronyd 4.3.

/** The protocol version this client speaks: 6, used by chrony 2.2 through 4.x. */
export const PROTOCOL_VERSION = 6;

/** Bytes before a request's body: version, type, reserved, command, attempt, sequence, padding. */
export const REQUEST_HEADER_LENGTH = 20;

/** Bytes before a reply's body: version, type, reserved, command, reply, status, sequence, padding. */
export const REPLY_HEADER_LENGTH = 28;

/** The longest request chronyd accepts; it drops longer ones silently. */
export const MAX_REQUEST_LENGTH = 860;

/**
 * The most sources a reply may announce. chronyd has no fixed limit, but a real one holds at most a
 * few hundred; anything above this is taken as a reply that is not from chronyd.
 */
export const MAX_SOURCES = 65_536;

/** Packet types of the header's second byte. */
export const PacketType = {
  /** From a client to chronyd. */
  REQUEST: 1,
  /** From chronyd. */
  REPLY: 2,
} as const;

/** Every request command code of chronyd 4.3 (numbering of chrony's candm.h), obsolete ones included. */
export const Command = {
  NULL: 0,
  ONLINE: 1,
  OFFLINE: 2,
  BURST: 3,
  MODIFY_MINPOLL: 4,
  MODIFY_MAXPOLL: 5,
  DUMP: 6,
  MODIFY_MAXDELAY: 7,
  MODIFY_MAXDELAYRATIO: 8,
  MODIFY_MAXUPDATESKEW: 9,
  LOGON: 10,
  SETTIME: 11,
  LOCAL: 12,
  MANUAL: 13,
  N_SOURCES: 14,
  SOURCE_DATA: 15,
  REKEY: 16,
  ALLOW: 17,
  ALLOWALL: 18,
  DENY: 19,
  DENYALL: 20,
  CMDALLOW: 21,
  CMDALLOWALL: 22,
  CMDDENY: 23,
  CMDDENYALL: 24,
  ACCHECK: 25,
  CMDACCHECK: 26,
  ADD_SERVER: 27,
  ADD_PEER: 28,
  DEL_SOURCE: 29,
  WRITERTC: 30,
  DFREQ: 31,
  DOFFSET: 32,
  TRACKING: 33,
  SOURCESTATS: 34,
  RTCREPORT: 35,
  TRIMRTC: 36,
  CYCLELOGS: 37,
  SUBNETS_ACCESSED: 38,
  CLIENT_ACCESSES: 39,
  CLIENT_ACCESSES_BY_INDEX: 40,
  MANUAL_LIST: 41,
  MANUAL_DELETE: 42,
  MAKESTEP: 43,
  ACTIVITY: 44,
  MODIFY_MINSTRATUM: 45,
  MODIFY_POLLTARGET: 46,
  MODIFY_MAXDELAYDEVRATIO: 47,
  RESELECT: 48,
  RESELECTDISTANCE: 49,
  MODIFY_MAKESTEP: 50,
  SMOOTHING: 51,
  SMOOTHTIME: 52,
  REFRESH: 53,
  SERVER_STATS: 54,
  CLIENT_ACCESSES_BY_INDEX2: 55,
  LOCAL2: 56,
  NTP_DATA: 57,
  ADD_SERVER2: 58,
  ADD_PEER2: 59,
  ADD_SERVER3: 60,
  ADD_PEER3: 61,
  SHUTDOWN: 62,
  ONOFFLINE: 63,
  ADD_SOURCE: 64,
  NTP_SOURCE_NAME: 65,
  RESET_SOURCES: 66,
  AUTH_DATA: 67,
  CLIENT_ACCESSES_BY_INDEX3: 68,
  SELECT_DATA: 69,
  RELOAD_SOURCES: 70,
  DOFFSET2: 71,
} as const;

/** One of the {@link Command} codes. */
export type CommandCode = (typeof Command)[keyof typeof Command];

/** Reply codes of chronyd 4.3; each fixes the body layout and the total reply length ({@link replyLength}). */
export const ReplyCode = {
  NULL: 1,
  N_SOURCES: 2,
  SOURCE_DATA: 3,
  TRACKING: 5,
  SOURCESTATS: 6,
  RTC: 7,
  ACTIVITY: 12,
  SMOOTHING: 13,
  NTP_DATA: 16,
  MANUAL_TIMESTAMP2: 17,
  MANUAL_LIST2: 18,
  NTP_SOURCE_NAME: 19,
  AUTH_DATA: 20,
  CLIENT_ACCESSES_BY_INDEX3: 21,
  SELECT_DATA: 23,
  SERVER_STATS3: 24,
} as const;

/** One of the {@link ReplyCode} codes. */
export type ReplyCodeValue = (typeof ReplyCode)[keyof typeof ReplyCode];

const REPLY_LENGTHS: ReadonlyMap<number, number> = new Map([
  [ReplyCode.NULL, 28],
  [ReplyCode.N_SOURCES, 32],
  [ReplyCode.SOURCE_DATA, 76],
  [ReplyCode.TRACKING, 104],
  [ReplyCode.SOURCESTATS, 84],
  [ReplyCode.RTC, 56],
  [ReplyCode.ACTIVITY, 48],
  [ReplyCode.SMOOTHING, 52],
  [ReplyCode.NTP_DATA, 152],
  [ReplyCode.MANUAL_TIMESTAMP2, 40],
  [ReplyCode.MANUAL_LIST2, 416],
  [ReplyCode.NTP_SOURCE_NAME, 284],
  [ReplyCode.AUTH_DATA, 52],
  [ReplyCode.CLIENT_ACCESSES_BY_INDEX3, 520],
  [ReplyCode.SELECT_DATA, 76],
  [ReplyCode.SERVER_STATS3, 72],
]);

/** Total length of a reply with this code; 0 for a code chrony 4.3 does not send (chronyc checks none). */
export function replyLength(code: number): number {
  return REPLY_LENGTHS.get(code) ?? 0;
}

/**
 * chronyd answers only a request at least as long as its reply (anti-amplification), so a request is
 * its body followed by zeros up to the length of the reply it asks for.
 */
export function requestLength(requestBodyLength: number, reply: number): number {
  return Math.max(REQUEST_HEADER_LENGTH + requestBodyLength, replyLength(reply));
}

/** Status codes of a reply (chrony's STT_* values). 0, 8 and 9 mean the command was carried out. */
export const Status = {
  SUCCESS: 0,
  FAILED: 1,
  UNAUTH: 2,
  INVALID: 3,
  NOSUCHSOURCE: 4,
  INVALIDTS: 5,
  NOTENABLED: 6,
  BADSUBNET: 7,
  ACCESSALLOWED: 8,
  ACCESSDENIED: 9,
  NOHOSTACCESS: 10,
  SOURCEALREADYKNOWN: 11,
  TOOMANYSOURCES: 12,
  NORTC: 13,
  BADRTCFILE: 14,
  INACTIVE: 15,
  BADSAMPLE: 16,
  INVALIDAF: 17,
  BADPKTVERSION: 18,
  BADPKTLENGTH: 19,
  INVALIDNAME: 21,
} as const;

const STATUS_DESCRIPTIONS: ReadonlyMap<number, string> = new Map([
  [Status.FAILED, "FAILED (chronyd could not do it)"],
  [Status.UNAUTH, "UNAUTH (not authorised)"],
  [Status.INVALID, "INVALID (chronyd does not know this command)"],
  [Status.NOSUCHSOURCE, "NOSUCHSOURCE (no such source)"],
  [Status.INVALIDTS, "INVALIDTS (invalid timestamp)"],
  [Status.NOTENABLED, "NOTENABLED (facility not enabled)"],
  [Status.BADSUBNET, "BADSUBNET (bad subnet)"],
  [Status.NOHOSTACCESS, "NOHOSTACCESS (no command access from this host)"],
  [Status.SOURCEALREADYKNOWN, "SOURCEALREADYKNOWN (source already present)"],
  [Status.TOOMANYSOURCES, "TOOMANYSOURCES (too many sources present)"],
  [Status.NORTC, "NORTC (no RTC driver; rtcfile not set)"],
  [Status.BADRTCFILE, "BADRTCFILE (cannot write RTC file)"],
  [Status.INACTIVE, "INACTIVE (facility not active)"],
  [Status.BADSAMPLE, "BADSAMPLE (sample index out of range)"],
  [Status.INVALIDAF, "INVALIDAF (invalid address family)"],
  [Status.BADPKTVERSION, "BADPKTVERSION (protocol version mismatch)"],
  [Status.BADPKTLENGTH, "BADPKTLENGTH (request too short)"],
  [Status.INVALIDNAME, "INVALIDNAME (invalid name)"],
]);

/** True for 0 SUCCESS, 8 ACCESSALLOWED and 9 ACCESSDENIED: all mean the command was carried out. */
export function isSuccessStatus(status: number): boolean {
  return status === Status.SUCCESS || status === Status.ACCESSALLOWED || status === Status.ACCESSDENIED;
}

/** A status code's name and meaning, e.g. `NORTC (no RTC driver; rtcfile not set)`. */
export function describeStatus(status: number): string {
  return STATUS_DESCRIPTIONS.get(status) ?? `unknown status ${status}`;
}

const COMMAND_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(Command).map(([name, code]) => [code, name]));

/** A command code's name (`TRACKING`), or `command N` for a code chrony 4.3 does not have. */
export function commandName(code: number): string {
  return COMMAND_NAMES.get(code) ?? `command ${code}`;
}
