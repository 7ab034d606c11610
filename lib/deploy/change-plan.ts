import { isAtLeast, parseChronyVersion } from "../model/version";
import { HostManifest } from "../manifest";

export type FileRole = "conf" | "sources" | "keys";

/** The least disruptive way to make chronyd take a change. */
export type ApplyAction = "none" | "start" | "reload-sources" | "rekey" | "rekey+reload-sources" | "restart";

export interface ChangePlan {
  readonly changed: readonly FileRole[];
  readonly action: ApplyAction;
  /** Why this action, for the progress line and the plan. */
  readonly reason: string;
}

/** What an action does to the clock, as DESIGN's change-class table says (plan shows it). */
export const CLOCK_EFFECTS: Readonly<Record<ApplyAction, string | undefined>> = {
  none: undefined,
  "reload-sources": undefined,
  rekey: undefined,
  "rekey+reload-sources": undefined,
  restart: "makestep re-armed, measurements dropped",
  start: "makestep armed",
};

/**
 * Picks the action for a change: sources only → `reload sources` (chrony ≥ 4.0), keys only →
 * `rekey`, both → both, anything else → restart (which re-arms makestep and drops measurements,
 * so it is used only when needed). The "restart" policy, or chrony < 4.0, always restarts.
 * `what` says what changed in a file, when the caller knows (plan: "makestep changed"), for the reason.
 */
export function planChange(manifest: HostManifest, changed: readonly FileRole[], running: boolean, what: Partial<Record<FileRole, string>> = {}): ChangePlan {
  if (changed.length === 0) {
    return running
      ? { changed, action: "none", reason: "files match the manifest" }
      : { changed, action: "start", reason: "files match the manifest but chronyd is not running" };
  }
  const version = parseChronyVersion(manifest.chronyVersion);
  if (!running) return { changed, action: "start", reason: "chronyd is not running" };
  if (manifest.reloadPolicy === "restart") return { changed, action: "restart", reason: "reloadPolicy is restart" };
  if (changed.includes("conf")) {
    return { changed, action: "restart", reason: what.conf ? `chrony.conf: ${what.conf}` : "chrony.conf changed (makestep is re-armed by the restart)" };
  }
  if (!isAtLeast(version, "4.0")) return { changed, action: "restart", reason: `chrony ${version.text} has no 'reload sources'` };
  const sources = changed.includes("sources");
  const keys = changed.includes("keys");
  if (sources && keys) return { changed, action: "rekey+reload-sources", reason: what.sources && what.keys ? `sources: ${what.sources}; keys: ${what.keys}` : "keys and sources changed" };
  return sources
    ? { changed, action: "reload-sources", reason: what.sources ? `sources: ${what.sources}` : "only sources changed" }
    : { changed, action: "rekey", reason: what.keys ? `keys: ${what.keys}` : "only keys changed" };
}
