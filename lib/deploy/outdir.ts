import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../errors";
import { HostManifest, readManifest } from "./manifest";

/** The folder constructs write host manifests to, inside each stack's folder. */
export const MANIFEST_FOLDER = "chrony-hosts";

export interface ManifestFile {
  readonly file: string;
  readonly manifest: HostManifest;
}

/** Every host manifest in a synth output (`cdktf.out`), sorted by stack then host. */
export function readOutdir(outdir: string): ManifestFile[] {
  const stacksDir = path.join(outdir, "stacks");
  if (!fs.existsSync(stacksDir)) {
    throw new UserError(`no synth output at '${outdir}' (no stacks/ folder): run 'cdktf synth' or 'npm run synth' first, or pass the output folder`);
  }
  const found: ManifestFile[] = [];
  for (const stack of fs.readdirSync(stacksDir).sort()) {
    const dir = path.join(stacksDir, stack, MANIFEST_FOLDER);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      if (!name.endsWith(".json")) continue;
      const file = path.join(dir, name);
      found.push({ file, manifest: readManifest(file) });
    }
  }
  if (found.length === 0) {
    throw new UserError(`no cdktf-chrony hosts in '${outdir}': the app declares no ChronyHost, or synth failed`);
  }
  return found;
}

/** Narrows to one host by `--host ID` (or stack/ID); an unknown ID lists the known ones. */
export function selectHosts(all: ManifestFile[], hostId: string | undefined): ManifestFile[] {
  if (hostId === undefined) return all;
  const matches = all.filter((m) => m.manifest.id === hostId || `${m.manifest.stack}/${m.manifest.id}` === hostId);
  if (matches.length === 0) {
    throw new UserError(`no host '${hostId}' in the synth output: known hosts are ${all.map((m) => m.manifest.id).join(", ")}`);
  }
  return matches;
}
