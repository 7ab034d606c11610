// chrony's Timespec: u32 seconds (high), u32 seconds (low), u32 nanoseconds, big-endian.

export const TIMESPEC_LENGTH = 12;

// A sender with a 32-bit time_t puts this in the high word; it means "no high part".
const NO_HIGH_SECONDS = 0x7fffffff;

/** Seconds since the epoch; 0 when chronyd means "never". */
export function readTimespec(view: DataView, offset: number): number {
  let high = view.getUint32(offset, false);
  if (high === NO_HIGH_SECONDS) high = 0;
  const low = view.getUint32(offset + 4, false);
  const nanoseconds = Math.min(view.getUint32(offset + 8, false), 999_999_999);
  return high * 2 ** 32 + low + nanoseconds / 1e9;
}
