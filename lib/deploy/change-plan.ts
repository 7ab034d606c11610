import { isAtLeast, parseChronyVersion } from "../model/version";
import type { FileRole, HostManifest } from "../manifest";

export type { FileRole };

/**
 * The least disruptive way to make chronyd take a change. "+nts-ke" also makes the NTS sources
 * start over with NTS-KE (their saved cookies dropped), so a change of trusted CAs is exercised,
 * and verified, by the deploy that made it.
 */
export type ChronydAction = "none" | "start" | "reload-sources" | "rekey" | "rekey+reload-sources" | "restart" | "restart+nts-ke" | "start+nts-ke";

/**
 * What apply does: chronyd's action, and "+firewall" when the firewall rules are loaded too (after
 * chronyd's action; "firewall" alone when chronyd has nothing to do).
 */
export type ApplyAction = ChronydAction | "firewall" | `${Exclude<ChronydAction, "none">}+firewall`;

/** chronyd's part of an action. */
export function chronydAction(action: ApplyAction): ChronydAction {
  return action === "firewall" ? "none" : (action.replace(/\+firewall$/, "") as ChronydAction);
}

/** Whether the action loads the firewall rules. */
export function loadsFirewall(action: ApplyAction): boolean {
  return action === "firewall" || action.endsWith("+firewall");
}

function withFirewall(action: ChronydAction): ApplyAction {
  return action === "none" ? "firewall" : `${action}+firewall`;
}

export interface ChangePlan {
  readonly changed: readonly FileRole[];
  readonly action: ApplyAction;
  /** Why this action, for the progress line and the plan. */
  readonly reason: string;
}

/** What an action does to the clock, as DESIGN's change-class table says (plan shows it). */
export const CLOCK_EFFECTS: Readonly<Record<ChronydAction, string | undefined>> = {
  none: undefined,
  "reload-sources": undefined,
  rekey: undefined,
  "rekey+reload-sources": undefined,
  restart: "makestep re-armed, measurements dropped",
  start: "makestep armed",
  "restart+nts-ke": "makestep re-armed, measurements dropped, NTS sources run NTS-KE again",
  "start+nts-ke": "makestep armed, NTS sources run NTS-KE",
};

/**
 * Picks the action for a change: sources only → `reload sources` (chrony ≥ 4.0), keys only →
 * `rekey`, both → both, anything else → restart (which re-arms makestep and drops measurements,
 * so it is used only when needed). The "restart" policy, or chrony < 4.0, always restarts.
 * `what` says what changed in a file, when the caller knows (plan: "makestep changed"), for the reason.
 *
 * NTS: chronyd 4.3 loads a server's certificate and key only at start (nts_ke_server.c
 * NKS_Initialise; `rekey` rereads only the cookie keys in ntsdumpdir, and only with ntsrotate 0),
 * so changing them restarts; clients keep their cookies, which the server keys saved in ntsdumpdir
 * still decrypt. Trusted CAs are reread at each NTS-KE session, but a client with cookies does not
 * run one for up to ntsrefresh (4 weeks): changed trust drops the NTS sources' cookies and restarts.
 */
/** What an action does to the clock (the firewall never touches it). */
export function clockEffect(action: ApplyAction): string | undefined {
  return CLOCK_EFFECTS[chronydAction(action)];
}

/**
 * The firewall rules: loaded ("+firewall") when their file changed, or when the table on the host
 * no longer lists what the file says (`firewallLive: "differs"`: a rule deleted by hand, or the
 * host's firewall reloaded without it). They never change chronyd's action.
 */
export function planChange(
  manifest: HostManifest,
  changed: readonly FileRole[],
  running: boolean,
  what: Partial<Record<FileRole, string>> = {},
  firewallLive: "same" | "differs" = "same",
): ChangePlan {
  const chronyd = planChronyd(
    manifest,
    changed.filter((r) => r !== "firewall"),
    running,
    what,
  );
  const fileChanged = changed.includes("firewall");
  if (!fileChanged && firewallLive === "same") return { ...chronyd, changed };
  const why = fileChanged
    ? `firewall: ${what.firewall ?? "the rules changed"}`
    : `firewall: table inet ${manifest.firewall?.table ?? "cdktf_chrony"} on the host differs from its rules file (changed by hand, or the host's firewall was reloaded)`;
  return { changed, action: withFirewall(chronyd.action), reason: chronyd.action === "none" ? why : `${chronyd.reason}; ${why}` };
}

function planChronyd(
  manifest: HostManifest,
  changed: readonly FileRole[],
  running: boolean,
  what: Partial<Record<FileRole, string>>,
): ChangePlan & { readonly action: ChronydAction } {
  const trust = changed.includes("nts-ca");
  if (changed.length === 0) {
    return running
      ? { changed, action: "none", reason: "files match the manifest" }
      : { changed, action: "start", reason: "files match the manifest but chronyd is not running" };
  }
  const version = parseChronyVersion(manifest.chronyVersion);
  if (!running)
    return trust
      ? {
          changed,
          action: "start+nts-ke",
          reason: "chronyd is not running; the trusted NTS CAs changed, so its NTS sources start without saved cookies",
        }
      : { changed, action: "start", reason: "chronyd is not running" };
  if (trust) {
    return {
      changed,
      action: "restart+nts-ke",
      reason: "the trusted NTS CAs changed: NTS sources drop their cookies and chronyd restarts, so NTS-KE runs now under the new trust",
    };
  }
  if (manifest.reloadPolicy === "restart") return { changed, action: "restart", reason: "reloadPolicy is restart" };
  if (changed.includes("conf")) {
    return {
      changed,
      action: "restart",
      reason: what.conf ? `chrony.conf: ${what.conf}` : "chrony.conf changed (makestep is re-armed by the restart)",
    };
  }
  if (changed.includes("nts-cert") || changed.includes("nts-key")) {
    return {
      changed,
      action: "restart",
      reason: "the NTS server certificate or key changed: chronyd loads them only at start (clients keep their cookies)",
    };
  }
  if (!isAtLeast(version, "4.0")) return { changed, action: "restart", reason: `chrony ${version.text} has no 'reload sources'` };
  const sources = changed.includes("sources");
  const keys = changed.includes("keys");
  if (sources && keys)
    return {
      changed,
      action: "rekey+reload-sources",
      reason: what.sources && what.keys ? `sources: ${what.sources}; keys: ${what.keys}` : "keys and sources changed",
    };
  return sources
    ? { changed, action: "reload-sources", reason: what.sources ? `sources: ${what.sources}` : "only sources changed" }
    : { changed, action: "rekey", reason: what.keys ? `keys: ${what.keys}` : "only keys changed" };
}
