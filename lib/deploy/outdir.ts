import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../errors";
import { findProjectDir } from "../project";
import { HostManifest } from "../manifest";
import { BUNDLE_FILE, readBundle } from "../manifest";

export interface StackHost {
  /** The stack's folder in the synth output, where Terraform runs and apply records are kept. */
  readonly stackDir: string;
  /** The project the synth output belongs to: relative key, salt and SSH paths resolve here. */
  readonly projectDir: string;
  readonly manifest: HostManifest;
}

/**
 * The host manifests of a synth output: one bundle per stack (`stacks/<stack>/chrony-hosts.jsonl`).
 * Sorted by stack, then host.
 */
export function readOutdir(outdir: string): StackHost[] {
  const stacksDir = path.join(outdir, "stacks");
  if (!fs.existsSync(stacksDir)) {
    throw new UserError(`no synth output at '${outdir}' (no stacks/ folder): run 'cdktf synth' or 'npm run synth' first, or pass the output folder`);
  }
  const found: StackHost[] = [];
  const projectDir = findProjectDir(outdir);
  for (const stack of fs.readdirSync(stacksDir).sort()) {
    const stackDir = path.join(stacksDir, stack);
    const file = path.join(stackDir, BUNDLE_FILE);
    if (fs.existsSync(file)) for (const manifest of readBundle(file)) found.push({ stackDir, projectDir, manifest });
  }
  if (found.length === 0) {
    throw new UserError(`no cdktf-chrony hosts in '${outdir}': the app declares no ChronyHost, or synth failed`);
  }
  return found.sort((a, b) => a.manifest.stack.localeCompare(b.manifest.stack) || a.manifest.id.localeCompare(b.manifest.id));
}

/**
 * Narrows to the hosts of `--host ID` (or STACK/ID; several separated by commas, as a rollout's gate
 * passes its wave); an unknown ID lists the known ones.
 */
export function selectHosts(all: StackHost[], hostIds: string | undefined): StackHost[] {
  if (hostIds === undefined) return all;
  const wanted = hostIds.split(",");
  const named = (m: StackHost, id: string) => m.manifest.id === id || `${m.manifest.stack}/${m.manifest.id}` === id;
  const matches = all.filter((m) => wanted.some((id) => named(m, id)));
  for (const id of wanted) {
    if (!matches.some((m) => named(m, id))) {
      const known = all.map((m) => m.manifest.id);
      throw new UserError(
        `no host '${id}' in the synth output: known hosts are ${known.slice(0, 20).join(", ")}${known.length > 20 ? `, … (${known.length} in all)` : ""}`,
      );
    }
  }
  return matches;
}

/** The hosts of a synth output folder, or of one stack's bundle (`chrony-hosts.jsonl`, what a provisioner passes). */
export function readHosts(outdirOrBundle: string): StackHost[] {
  if (!outdirOrBundle.endsWith(".jsonl")) return readOutdir(outdirOrBundle);
  const stackDir = path.dirname(path.resolve(outdirOrBundle));
  const projectDir = findProjectDir(stackDir);
  return readBundle(outdirOrBundle).map((manifest) => ({ stackDir, projectDir, manifest }));
}
