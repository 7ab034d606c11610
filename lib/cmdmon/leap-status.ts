import { CmdmonError } from "./cmdmon-error";
import type { LeapStatus } from "./types";

const LEAP_STATUSES: readonly LeapStatus[] = ["normal", "insert", "delete", "unsynchronised"];

export function leapStatusFromCode(code: number, where: string): LeapStatus {
  const leap = LEAP_STATUSES[code];
  if (leap === undefined) throw new CmdmonError("malformed", `${where} has leap status ${code}; chrony uses 0 to 3`);
  return leap;
}
