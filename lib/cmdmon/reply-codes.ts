/** Reply codes of chronyd 4.3; each fixes the body layout and the total reply length. */
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

export type ReplyCodeValue = (typeof ReplyCode)[keyof typeof ReplyCode];

const REPLY_LENGTHS = new Map<number, number>([
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

/** Total length of a reply with this code; 0 for codes 4.3 does not know, as chronyc treats them. */
export function replyLength(code: number): number {
  return REPLY_LENGTHS.get(code) ?? 0;
}
