import * as path from "node:path";
import { resolveSalt } from "../keys/fingerprint";
import type { FileRole, HostManifest } from "../manifest";
import { KEPT_KEYS_MARKER, MANAGED_MARKER } from "../render/host-files";
import { sha256Hex } from "../sha256";
import type { SshSession } from "../ssh/types";
import { ApplyAction, planChange } from "./change-plan";
import { HostConnector, connectHost } from "./connect-host";
import { compareFirewall, compareKeys, runSurvey, Survey } from "./drift";
import { describeRules } from "../firewall/nftables";
import { describeLines, lineChanges } from "./line-changes";
import { retiredFirewallPath, retiredFirewallReason } from "./retired-firewall";
import { fileMatch, firewallState } from "./rules";

/**
 * What apply would do with one file: write it (missing, or other content), fix its mode or owner in
 * place, or remove it (the rules file of a firewall the app no longer manages).
 */
export type FileChangeKind = "create" | "content" | "mode" | "owner" | "remove";

export interface FileChange {
  readonly role: FileRole;
  readonly path: string;
  readonly change: FileChangeKind;
  /** In words: "makestep changed", "mode 644 → 640", "key 2 has different material…". Never key material. */
  readonly summary: string;
  /** The lines apply would remove and add (chrony.conf and the sources file only; never chrony.keys). */
  readonly removed?: readonly string[];
  readonly added?: readonly string[];
}

export interface HostPlan {
  readonly host: string;
  readonly stack: string;
  readonly address: string;
  /**
   * "change": apply would change something (files, mode or owner, or chronyd's state);
   * "unchanged": the host matches; "blocked": apply would stop before changing anything;
   * "error": the host could not be read.
   */
  readonly status: "change" | "unchanged" | "blocked" | "error";
  /** What apply would do to chronyd ("none" when only a mode or owner is fixed, or nothing changes). */
  readonly action: ApplyAction;
  /** Why that action: "chrony.conf: makestep changed", "sources: server 10.0.0.5 added". */
  readonly reason: string;
  readonly files: readonly FileChange[];
  /** What else apply would meet: an interrupted run to finish first, foreign sources files. */
  readonly notes: readonly string[];
  readonly error?: string;
  readonly seconds: number;
}

export interface PlanOptions {
  readonly log?: (line: string) => void;
  /** The project folder: the fingerprint salt and relative SSH paths resolve here. */
  readonly projectDir: string;
  /** How long to wait for an apply in progress on the host. @default 60 */
  readonly lockWaitSeconds?: number;
  /** @default - SSH (connectHost) */
  readonly connect?: HostConnector;
}

/**
 * Key IDs in the host's chrony.keys that the app does not declare, as apply counts them (remote/apply.sh
 * `host_keys`): in a file cdktf-chrony wrote, only the keys carried over below the "kept" marker
 * (a key the app dropped is retired, not undeclared); in any other file, every key.
 */
function undeclaredKeyIds(manifest: HostManifest, keysText: string): number[] {
  const lines = keysText.split(/\r?\n/);
  const ours = lines[0]?.startsWith(MANAGED_MARKER) ?? false;
  const declared = new Set(manifest.keys.entries.map((k) => k.id));
  const ids: number[] = [];
  let carried = false;
  for (const line of lines) {
    if (line === KEPT_KEYS_MARKER) carried = true;
    const id = /^\s*(\d+)\s/.exec(line)?.[1];
    if (id !== undefined && (!ours || carried) && !declared.has(Number(id))) ids.push(Number(id));
  }
  return ids;
}

/** chrony.conf and the sources file: content by digest (with a line summary), then mode and owner. */
function fileChanges(manifest: HostManifest, survey: Survey): FileChange[] {
  const out: FileChange[] = [];
  for (const f of manifest.files) {
    const live = survey.files.get(f.role);
    const match = fileMatch(live, { sha256: sha256Hex(f.content), mode: f.mode, owner: f.owner });
    const base = { role: f.role, path: f.path };
    if (match === "missing") out.push({ ...base, change: "create", summary: "new file", added: lineChanges("", f.content).added });
    if (match === "content") {
      const text = survey.texts.get(f.role);
      const lines = text === undefined ? undefined : lineChanges(text, f.content);
      out.push({
        ...base,
        change: "content",
        summary: lines ? (f.role === "firewall" ? describeRules(lines) : describeLines(lines)) : "content differs",
        ...lines,
      });
    }
    if (match === "mode") out.push({ ...base, change: "mode", summary: `mode ${live!.mode} → ${f.mode.toString(8)}` });
    if (match === "owner") out.push({ ...base, change: "owner", summary: `owner ${live!.owner} → ${f.owner}` });
  }
  const retired = retiredFirewallPath(manifest);
  if (retired !== undefined && survey.files.get("firewall") !== undefined) {
    out.push({ role: "firewall", path: retired, change: "remove", summary: retiredFirewallReason(retired) });
  }
  return out;
}

/**
 * chrony.keys, compared key by key by keyed fingerprint (the material stays in memory and is never
 * reported). A change only in its comments or the order of its lines does not show here.
 */
function keysChange(manifest: HostManifest, survey: Survey, salt: Buffer): FileChange | undefined {
  const base = { role: "keys" as const, path: manifest.keys.path };
  const live = survey.files.get("keys");
  if (!live) return { ...base, change: "create", summary: `new file with ${manifest.keys.entries.length} key(s)` };
  const differences = compareKeys(manifest, survey.keysFile, salt);
  if (differences.length > 0) {
    const words = differences.map((d) => d.detail.replace(` from ${manifest.keys.path}`, "").replace(`${manifest.keys.path}: `, ""));
    return { ...base, change: "content", summary: words.join("; ") };
  }
  const owner = `${manifest.keys.owner}:${manifest.keys.group}`;
  const match = fileMatch(live, { sha256: live.sha256, mode: manifest.keys.mode, owner });
  if (match === "mode") return { ...base, change: "mode", summary: `mode ${live.mode} → ${manifest.keys.mode.toString(8)}` };
  if (match === "owner") return { ...base, change: "owner", summary: `owner ${live.owner} → ${owner}` };
  return undefined;
}

/**
 * What `cdktf-chrony apply` would do on one host, found without changing it: the survey program
 * (read-only, under the host's lock, so never mid-apply) reports the files, keys and chronyd's
 * state, and the rules apply itself uses (fileMatch, planChange) decide each file and the action.
 */
export async function planHost(manifest: HostManifest, options: PlanOptions): Promise<HostPlan> {
  const started = Date.now();
  const base = { host: manifest.id, stack: manifest.stack, address: `${manifest.target.address}:${manifest.target.port}` };
  const seconds = () => (Date.now() - started) / 1000;
  let session: SshSession | undefined;
  try {
    // The salt first: without it every key would look changed.
    const salt = manifest.keys.entries.length > 0 ? resolveSalt(manifest.fingerprintSalt, options.projectDir, { create: false }) : Buffer.alloc(0);
    session = await (options.connect ?? connectHost)(manifest, { log: options.log, projectDir: options.projectDir });
    const survey = await runSurvey(session, manifest, { lockWaitSeconds: options.lockWaitSeconds ?? 60 });
    if (survey.busy !== undefined) throw new Error(`an apply holds the host (${survey.busy.trim() || "holder unknown"}): plan again when it is done`);
    if (!survey.done) throw new Error("the host's answer ended early");

    const notes: string[] = [];
    if (survey.journal) {
      const j = survey.journal;
      notes.push(
        `an interrupted apply (run ${j.run}, ${j.action}, state ${j.state}) is finished or rolled back first; the files may change before this plan applies`,
      );
    }
    for (const foreign of survey.foreign) notes.push(`${foreign} adds sources the app does not declare; apply leaves it and warns`);

    const undeclared = survey.keysFile === undefined ? [] : undeclaredKeyIds(manifest, survey.keysFile);
    if (undeclared.length > 0 && manifest.keys.undeclared === "refuse") {
      return {
        ...base,
        status: "blocked",
        action: "none",
        reason: `${manifest.keys.path} holds key(s) ${undeclared.join(", ")} that the app does not declare: apply would stop; set undeclaredKeys ("keep" or "remove") on host ${manifest.id}, or declare them`,
        files: [],
        notes,
        seconds: seconds(),
      };
    }

    // Apply stops before changing anything when the firewall rules cannot be loaded or cannot work.
    const firewallProblems = compareFirewall(manifest, survey.firewall).filter((d) => d.kind !== "firewall-rules");
    if (firewallProblems.length > 0) {
      return {
        ...base,
        status: "blocked",
        action: "none",
        reason: `apply would stop: ${firewallProblems.map((d) => d.detail).join("; ")}`,
        files: [],
        notes,
        seconds: seconds(),
      };
    }

    const files = fileChanges(manifest, survey);
    const keys = keysChange(manifest, survey, salt);
    if (keys) files.push(keys);
    const rewritten = files.filter((f) => f.change === "create" || f.change === "content" || f.change === "remove");
    const what: Partial<Record<FileRole, string>> = Object.fromEntries(rewritten.map((f) => [f.role, f.summary]));
    const plan = planChange(
      manifest,
      rewritten.map((f) => f.role),
      survey.running,
      what,
      manifest.firewall ? firewallState(survey.firewall.live, survey.firewall.want) : "same",
    );
    const fixes = files.filter((f) => f.change === "mode" || f.change === "owner");
    const status = plan.action === "none" && fixes.length === 0 ? "unchanged" : "change";
    const reason =
      plan.action === "none" && fixes.length > 0
        ? `only ${fixes.map((f) => `${path.posix.basename(f.path)} ${f.change}`).join(", ")} differ: fixed in place`
        : plan.reason;
    return { ...base, status, action: plan.action, reason, files, notes, seconds: seconds() };
  } catch (err) {
    return { ...base, status: "error", action: "none", reason: "", files: [], notes: [], error: (err as Error).message, seconds: seconds() };
  } finally {
    await session?.close().catch(() => undefined);
  }
}
