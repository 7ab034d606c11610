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

/**
 * Picks the action for a change: sources only → `reload sources` (chrony ≥ 4.0), keys only →
 * `rekey`, both → both, anything else → restart (which re-arms makestep and drops measurements,
 * so it is used only when needed). The "restart" policy, or chrony < 4.0, always restarts.
 */
export function planChange(manifest: HostManifest, changed: readonly FileRole[], running: boolean): ChangePlan {
  if (changed.length === 0) {
    return running
      ? { changed, action: "none", reason: "files match the manifest" }
      : { changed, action: "start", reason: "files match the manifest but chronyd is not running" };
  }
  const version = parseChronyVersion(manifest.chronyVersion);
  if (!running) return { changed, action: "start", reason: "chronyd is not running" };
  if (manifest.reloadPolicy === "restart") return { changed, action: "restart", reason: "reloadPolicy is restart" };
  if (changed.includes("conf")) return { changed, action: "restart", reason: "chrony.conf changed (makestep is re-armed by the restart)" };
  if (!isAtLeast(version, "4.0")) return { changed, action: "restart", reason: `chrony ${version.text} has no 'reload sources'` };
  const sources = changed.includes("sources");
  const keys = changed.includes("keys");
  if (sources && keys) return { changed, action: "rekey+reload-sources", reason: "keys and sources changed" };
  return sources
    ? { changed, action: "reload-sources", reason: "only sources changed" }
    : { changed, action: "rekey", reason: "only keys changed" };
}
