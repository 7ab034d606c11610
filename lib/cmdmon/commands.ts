/** Request command codes of chronyd 4.3 that this package sends (candm.h numbering). */
export const Command = {
  N_SOURCES: 14,
  SOURCE_DATA: 15,
  TRACKING: 33,
  SOURCESTATS: 34,
  ACTIVITY: 44,
  SERVER_STATS: 54,
  NTP_DATA: 57,
  NTP_SOURCE_NAME: 65,
  AUTH_DATA: 67,
  SELECT_DATA: 69,
} as const;

export type CommandCode = (typeof Command)[keyof typeof Command];

const COMMAND_NAMES = new Map<number, string>(Object.entries(Command).map(([name, code]) => [code, name]));

export function commandName(code: number): string {
  return COMMAND_NAMES.get(code) ?? `command ${code}`;
}
