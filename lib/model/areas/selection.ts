import { directive } from "../directive";
import { PropRow, customRow, numberRow } from "../prop-rows";

/** How chronyd selects and combines its sources. */
export interface SelectionProps {
  /** `minsources`: selectable sources needed before the clock is updated. @default 1 */
  readonly minSources?: number;
  /** `maxdistance`: the largest root distance of a selectable source. @default 3 */
  readonly maxDistanceSeconds?: number;
  /** `maxjitter`: the largest jitter of a selectable source. @default 1 */
  readonly maxJitterSeconds?: number;
  /** `combinelimit`: how far from the best source another may be and still be combined. @default 3 */
  readonly combineLimit?: number;
  /** `reselectdist`: the distance a new source must beat the selected one by. @default 0.0001 */
  readonly reselectDistSeconds?: number;
  /** `stratumweight`: the distance added per stratum when selecting. @default 0.001 */
  readonly stratumWeightSeconds?: number;
  /** `minsamples`: the fewest samples kept per source. @default 6 */
  readonly minSamples?: number;
  /** `maxsamples`: the most samples kept per source. @default 64 */
  readonly maxSamples?: number;
  /** `authselectmode`: how authenticated and unauthenticated sources mix. @default "mix" */
  readonly authSelectMode?: "require" | "prefer" | "mix" | "ignore";
  /** `refresh`: how often the addresses of sources given by name are resolved again (chrony ≥ 4.4). @default 1209600 */
  readonly refreshSeconds?: number;
}

const AUTH_SELECT_MODES = ["require", "prefer", "mix", "ignore"];

export const SELECTION_ROWS: readonly PropRow[] = [
  numberRow("minSources", "minsources", { integer: true }),
  numberRow("maxDistanceSeconds", "maxdistance"),
  numberRow("maxJitterSeconds", "maxjitter"),
  numberRow("combineLimit", "combinelimit"),
  numberRow("reselectDistSeconds", "reselectdist"),
  numberRow("stratumWeightSeconds", "stratumweight"),
  numberRow("minSamples", "minsamples", { integer: true }),
  numberRow("maxSamples", "maxsamples", { integer: true }),
  customRow(
    "authSelectMode",
    ["authselectmode"],
    (mode: string) => [directive("authselectmode", mode)],
    (args) => (args.length === 1 && AUTH_SELECT_MODES.includes(args[0].toLowerCase()) ? args[0].toLowerCase() : undefined),
  ),
  numberRow("refreshSeconds", "refresh", { integer: true }),
];
