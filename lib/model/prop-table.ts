import { ACCESS_ROWS } from "./areas/access";
import { BINDING_ROWS } from "./areas/binding";
import { CLOCK_ROWS } from "./areas/clock";
import { LOGGING_ROWS } from "./areas/logging";
import { NTS_ROWS } from "./areas/nts";
import { REFCLOCK_ROWS } from "./areas/refclocks";
import { SELECTION_ROWS } from "./areas/selection";
import { SYSTEM_ROWS } from "./areas/system";
import { PropRow } from "./prop-rows";

/** Every typed prop of ChronyConfigProps that writes a directive, in the order a host's lines are rendered. */
export const PROP_ROWS: readonly PropRow[] = [
  ...SYSTEM_ROWS,
  ...BINDING_ROWS,
  ...ACCESS_ROWS,
  ...CLOCK_ROWS,
  ...SELECTION_ROWS,
  ...REFCLOCK_ROWS,
  ...NTS_ROWS,
  ...LOGGING_ROWS,
];

/** The rows that can write a directive, by directive name (lower case). */
export const ROWS_BY_DIRECTIVE: ReadonlyMap<string, readonly PropRow[]> = (() => {
  const map = new Map<string, PropRow[]>();
  for (const row of PROP_ROWS) {
    for (const name of row.directives) map.set(name, [...(map.get(name) ?? []), row]);
  }
  return map;
})();
