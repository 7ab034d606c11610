/** Source indices are u32 on the wire; a bad one is a programming error, not a chronyd answer. */
export function checkSourceIndex(index: number): number {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) {
    throw new TypeError(`source index must be an integer from 0 to 4294967295, got ${index}`);
  }
  return index;
}
