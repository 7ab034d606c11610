import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeChronyFloat, encodeChronyFloat } from "../../../lib/cmdmon";

describe("chrony Float decode", () => {
  it("decodes the worked examples of the protocol reference", () => {
    expect(decodeChronyFloat(0x04800000)).toBe(1.0);
    expect(decodeChronyFloat(0xff787844)).toBe(-8882108 * 2 ** -26);
    expect(decodeChronyFloat(0xff787844)).toBeCloseTo(-0.1323537, 7);
    expect(decodeChronyFloat(0xf3c00000)).toBe(-0.0009765625);
  });

  it("decodes zero and the extremes", () => {
    expect(decodeChronyFloat(0)).toBe(0);
    // e = 63, c = 2^24 − 1: the largest value
    expect(decodeChronyFloat(0x7effffff)).toBe(0xffffff * 2 ** 38);
    // e = 63, c = −2^24: the most negative
    expect(decodeChronyFloat(0x7f000000)).toBe(-(2 ** 24) * 2 ** 38);
    // e = −64, c = 1: the smallest positive
    expect(decodeChronyFloat(0x80000001)).toBe(2 ** -89);
  });
});

describe("chrony Float encode (bit-exact with chronyd)", () => {
  it("encodes the reference's listed results", () => {
    expect(encodeChronyFloat(1.0)).toBe(0x04800000);
    expect(encodeChronyFloat(-1.0)).toBe(0x03000000);
    expect(encodeChronyFloat(0.5)).toBe(0x02800000);
    expect(encodeChronyFloat(0.000123)).toBe(0xea80f990);
  });

  // Words produced by chrony 4.3's own UTI_FloatHostToNetwork for these inputs (compiled and run
  // outside this repository): rounding, the coefficient shift, saturation and underflow.
  const FROM_CHRONYD: readonly (readonly [number, number])[] = [
    [1e-9, 0xc889705f],
    [-1e-9, 0xc9768fa1],
    [-0.000123, 0xeb7f0670],
    [3.999999, 0x06fffffc],
    [4, 0x08800000],
    [1e-6, 0xdc8637bd],
    [2.5e-7, 0xd88637bd],
    [123456.789, 0x24f12065],
    [-98765.4321, 0x253f1949],
    [0.1, 0xfccccccd],
    [-0.1, 0xfd333333],
    [1e-20, 0x805e7284],
    [1.5e-27, 0x80000000],
    [1e-30, 0],
    [1e-40, 0],
    [1e18, 0x7ade0b6b],
    [4.6e18, 0x7eff59ee],
    [4.7e18, 0x7effffff],
    [-4.7e18, 0x7f000000],
    [1e100, 0x7effffff],
    [1e-100, 0],
    [0.99999999, 0x04800000],
    [1.0000001, 0x04800001],
    [16777215, 0x32ffffff],
    [16777216, 0x34800000],
    [33554431, 0x34ffffff],
    [-2000, 0x19060000],
    [0.0009765625, 0xf0800000],
    [-0.0009765625, 0xef000000],
  ];
  it.each(FROM_CHRONYD)("encodes %d as chronyd does", (value, word) => {
    expect(encodeChronyFloat(value).toString(16).padStart(8, "0")).toBe(word.toString(16).padStart(8, "0"));
  });

  it("maps NaN to 0 and saturates beyond 1e100", () => {
    expect(encodeChronyFloat(Number.NaN)).toBe(0);
    expect(encodeChronyFloat(1e101)).toBe(0x7effffff);
    expect(encodeChronyFloat(-1e101)).toBe(0x7f000000);
    expect(encodeChronyFloat(Number.POSITIVE_INFINITY)).toBe(0x7effffff);
    expect(encodeChronyFloat(0)).toBe(0);
    expect(encodeChronyFloat(-0)).toBe(0);
  });

  // (d) Properties, fixed seed (fast-check prints it with the counterexample on failure).
  const RUNS = { seed: 0x0f10a7, numRuns: 5000 } as const;
  // The largest magnitude a Float holds: coefficient 2^24 − 1 at exponent 63.
  const MAX = 0xffffff * 2 ** 38;

  it("round-trips within chrony's precision: the coefficient keeps at least 23 significant bits", () => {
    const magnitude = fc.double({ min: 2 ** -60, max: MAX, noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(magnitude, fc.boolean(), (m, negative) => {
        const x = negative ? -m : m;
        const back = decodeChronyFloat(encodeChronyFloat(x));
        expect(Math.abs(back - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -23);
        expect(Math.sign(back)).toBe(Math.sign(x));
      }),
      RUNS,
    );
  });

  it("encodes any number, NaN and infinities included, to a u32 whose value is finite and within range", () => {
    fc.assert(
      fc.property(fc.double(), (x) => {
        const word = encodeChronyFloat(x);
        expect(Number.isInteger(word) && word >= 0 && word <= 0xffffffff).toBe(true);
        const back = decodeChronyFloat(word);
        expect(Number.isFinite(back)).toBe(true);
        expect(back).toBeGreaterThanOrEqual(-(2 ** 24) * 2 ** 38);
        expect(back).toBeLessThanOrEqual(MAX);
        // Saturation and underflow only ever shrink a value; rounding adds at most half a unit.
        if (!Number.isNaN(x)) expect(Math.abs(back)).toBeLessThanOrEqual(Math.abs(x) * (1 + 2 ** -23));
      }),
      RUNS,
    );
  });

  it("decodes every word to the value c × 2^(e − 25) of its two's-complement fields, and re-encodes that value within one unit", () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), (word) => {
        const e = word >>> 25 >= 64 ? (word >>> 25) - 128 : word >>> 25;
        const c = (word & 0x1ffffff) >= 2 ** 24 ? (word & 0x1ffffff) - 2 ** 25 : word & 0x1ffffff;
        const value = decodeChronyFloat(word);
        expect(value).toBe(c * 2 ** (e - 25));
        if (Math.abs(value) >= 2 ** -60) {
          expect(Math.abs(decodeChronyFloat(encodeChronyFloat(value)) - value)).toBeLessThanOrEqual(Math.abs(value) * 2 ** -23);
        }
      }),
      RUNS,
    );
  });
});
