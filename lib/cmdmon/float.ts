// chrony's own 32-bit "Float": a 7-bit two's-complement exponent above a 25-bit two's-complement
// coefficient, value = coefficient × 2^(exponent − 25). Not IEEE 754: no hidden bit, no NaN or infinity.

const COEF_BITS = 25;
const EXP_MIN = -64;
const EXP_MAX = 63;
const COEF_MAX = 0xffffff;
const COEF_MASK = 0x1ffffff;

export function decodeChronyFloat(word: number): number {
  let exponent = word >>> COEF_BITS;
  if (exponent >= 64) exponent -= 128;
  let coefficient = word & COEF_MASK;
  if (coefficient >= 0x1000000) coefficient -= 0x2000000;
  return coefficient * Math.pow(2, exponent - COEF_BITS);
}

/** The word chronyd itself would produce for `x`, bit for bit (same rounding, saturation and underflow). */
export function encodeChronyFloat(x: number): number {
  if (Number.isNaN(x)) return 0;
  const negative = x < 0 ? 1 : 0;
  const magnitude = Math.abs(x);
  let exponent: number;
  let coefficient: number;
  if (magnitude < 1e-100) {
    return 0;
  } else if (magnitude > 1e100) {
    exponent = EXP_MAX;
    coefficient = COEF_MAX + negative;
  } else {
    // chronyd computes log2 as ln(x)/ln(2) and truncates toward zero; doing the same keeps the
    // exponent identical at the boundaries where a true log2 would round the other way.
    exponent = Math.trunc(Math.log(magnitude) / Math.log(2) + 1);
    coefficient = Math.trunc(magnitude * Math.pow(2, COEF_BITS - exponent) + 0.5);
    while (coefficient > COEF_MAX + negative) {
      coefficient = Math.floor(coefficient / 2);
      exponent++;
    }
    if (exponent > EXP_MAX) {
      exponent = EXP_MAX;
      coefficient = COEF_MAX + negative;
    } else if (exponent < EXP_MIN) {
      if (exponent + COEF_BITS >= EXP_MIN) {
        coefficient = Math.floor(coefficient / Math.pow(2, EXP_MIN - exponent));
        exponent = EXP_MIN;
      } else {
        return 0;
      }
    }
  }
  if (negative) coefficient = -coefficient & COEF_MASK;
  return (((exponent & 0x7f) << COEF_BITS) | coefficient) >>> 0;
}

export function readChronyFloat(view: DataView, offset: number): number {
  return decodeChronyFloat(view.getUint32(offset, false));
}

export function writeChronyFloat(view: DataView, offset: number, x: number): void {
  view.setUint32(offset, encodeChronyFloat(x), false);
}
