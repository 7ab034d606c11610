import type { NtpTests } from "./types";

/** chrony's 10 test bits, test1 in bit 9 down to testD in bit 0; 1 = passed. */
export function ntpTestsFromBits(bits: number): NtpTests {
  const bit = (n: number): boolean => ((bits >>> n) & 1) === 1;
  return {
    test1: bit(9),
    test2: bit(8),
    test3: bit(7),
    test5: bit(6),
    test6: bit(5),
    test7: bit(4),
    testA: bit(3),
    testB: bit(2),
    testC: bit(1),
    testD: bit(0),
  };
}
