import { expect } from "vitest";

// chronyc -c prints each number rounded to a fixed number of decimals. Our client reads the same
// bits and decodes them the same way, so a printed value may differ from ours only by that
// rounding, plus what changed in chronyd between the two queries. We query before and after
// chronyc and require the printed value inside [min, max] of the two, widened by half a unit in
// the last printed place (and a few ulps for the decimal-to-double conversion).
export function expectPrinted(field: string, printed: number, before: number, after: number, decimals: number): void {
  const half = 0.5 * 10 ** -decimals;
  const ulps = 4 * Number.EPSILON * Math.max(Math.abs(printed), Math.abs(before), Math.abs(after));
  const lo = Math.min(before, after) - half - ulps;
  const hi = Math.max(before, after) + half + ulps;
  expect(
    printed >= lo && printed <= hi,
    `${field}: chronyc printed ${printed} (${decimals} decimals); the client read ${before} before and ${after} after`,
  ).toBe(true);
}

/** A value the protocol carries exactly (enum, integer, text). */
export function expectSame<T>(field: string, printed: T, before: T, after: T): void {
  expect(before, `${field}: changed between the client's two queries`).toEqual(after);
  expect(printed, `${field}: chronyc printed ${String(printed)}, the client read ${String(before)}`).toEqual(before);
}

/** Retries a before/chronyc/after triple until nothing sampled in between (`stable`). */
export async function stableTriple<T, P>(
  query: () => Promise<T>,
  chronyc: () => Promise<P>,
  stable: (before: T, after: T) => boolean,
  tries = 30,
): Promise<{ before: T; printed: P; after: T }> {
  for (let i = 0; i < tries; i++) {
    const before = await query();
    const printed = await chronyc();
    const after = await query();
    if (stable(before, after)) return { before, printed, after };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`chronyd's state changed during every one of ${tries} before/chronyc/after triples`);
}
