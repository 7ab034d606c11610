import * as path from "node:path";
import { ChronyConfig } from "../model/chrony-config";
import { Directive, directiveLine } from "../model/directive";
import { HostProfile } from "../model/profiles/host-profile";
import { ComposedConf, composeConf } from "../model/profiles/compose-conf";
import type { HostFile } from "../manifest/schema";

const MANAGED_NOTE = ["# Managed by cdktf-chrony. Local edits are overwritten by the next deploy and", "# reported by `cdktf-chrony drift`."];

function lines(directives: readonly Directive[]): string[] {
  return directives.map(directiveLine);
}

export function sourcesFilePath(profile: HostProfile): string {
  return path.posix.join(profile.sourceDir, profile.sourcesFileName);
}

export interface RenderOptions {
  /** IDs of the keys the host holds: chrony.conf then reads the keys file. @default - none */
  readonly heldKeyIds?: ReadonlySet<number>;
  /** For messages. @default "this host" */
  readonly hostName?: string;
  /** chrony.conf's lines when the caller already composed them (the fleet compiler, after its checks). @default - composed here */
  readonly composed?: ComposedConf;
}

/**
 * chrony.conf and, when sources live in a sourcedir, the managed `.sources` file: the profile's
 * lines with the host's replacements in place (see composeConf), then the sources (or a note where
 * they are), then the host's other lines. Same config and profile give the same bytes; one changed
 * field changes one line.
 */
export function renderHostFiles(config: ChronyConfig, profile: HostProfile, options: RenderOptions = {}): HostFile[] {
  const composed = options.composed ?? composeConf(config, profile, { heldKeyIds: options.heldKeyIds ?? new Set(), hostName: options.hostName });
  const inSourceDir = config.sourcesPlacement === "sourcedir";
  const conf: string[] = [...MANAGED_NOTE, "", `# Host profile: ${composed.profileLabel}`, ...lines(composed.base), ""];
  if (inSourceDir) {
    conf.push(`# Sources are in ${sourcesFilePath(profile)} ('chronyc reload sources' applies them).`);
  } else if (config.sources.length > 0) {
    conf.push("# Sources", ...lines(config.sources));
  }
  if (composed.host.length > 0) conf.push("", ...lines(composed.host));
  const owner = `${profile.confOwner}:${profile.confGroup}`;
  const files: HostFile[] = [{ path: profile.confPath, content: `${conf.join("\n")}\n`, mode: profile.confMode, owner, role: "conf" }];
  if (inSourceDir) {
    files.push({
      path: sourcesFilePath(profile),
      content: `${[...MANAGED_NOTE, ...lines(config.sources)].join("\n")}\n`,
      mode: profile.confMode,
      owner,
      role: "sources",
    });
  }
  return files;
}

/** One key as it goes into chrony.keys. */
export interface KeyFileLine {
  readonly id: number;
  readonly line: string;
}

/** chrony.keys: a note and the key lines sorted by ID. Rendered only at apply time. */
/** The first words of every managed file: a keys file that starts with them was written by us. */
export const MANAGED_MARKER = "# Managed by cdktf-chrony.";

/**
 * In a managed chrony.keys, the keys below this line were on the host before cdktf-chrony managed
 * it and are carried over (undeclaredKeys: "keep"); keys above it that the app no longer declares
 * were ours (a retired key) and are dropped.
 */
export const KEPT_KEYS_MARKER = '# Kept from the host before cdktf-chrony managed this file (undeclaredKeys: "keep"):';

export function renderKeyFile(keys: readonly KeyFileLine[]): string {
  const sorted = [...keys].sort((a, b) => a.id - b.id);
  return `${[
    `${MANAGED_MARKER} The material comes from the key sources named in the app;`,
    "# it is never stored in git, cdktf.out or Terraform state.",
    ...sorted.map((k) => k.line),
  ].join("\n")}\n`;
}
