import * as path from "node:path";
import { ChronyConfig } from "../chrony-config";
import { ConfigError } from "../config-error";
import { Directive, directive, directiveLine } from "../directive";
import { slotName, slotOf } from "../directive-slots";
import { HostProfile } from "./host-profile";
import { profileLabel } from "./profile-label";

/** chrony.conf of one host in its sections, before it is written out. */
export interface ComposedConf {
  /** What the header says the profile is. */
  readonly profileLabel: string;
  /** The profile's lines with the host's replacements in place, confdir and include lines first. */
  readonly base: readonly Directive[];
  /** The host's other lines, in the order of the props. */
  readonly host: readonly Directive[];
}

export interface ComposeOptions {
  /** IDs of the keys the host will hold: chrony.conf must then read the keys file. */
  readonly heldKeyIds: ReadonlySet<number>;
  /** For messages. @default "this host" */
  readonly hostName?: string;
}

const LEADING = new Set(["confdir", "include"]);

function omits(o: { readonly slot: string }, d: Directive): boolean {
  const name = d.name.toLowerCase();
  return name === o.slot || slotName(name) === o.slot;
}

/** Folders of a sourcedir line, without trailing slashes, as chronyd globs them. */
function folders(d: Directive): string[] {
  return d.args.map((a) => (a.length > 1 ? a.replace(/\/+$/, "") : a));
}

function sameDir(a: string, b: string): boolean {
  return path.posix.normalize(a).replace(/\/+$/, "") === path.posix.normalize(b).replace(/\/+$/, "");
}

/**
 * Merges a host's directives into its profile's: a host line that sets what a profile line sets
 * (same slot, see slotOf) replaces it in place, so one changed prop changes one line; omitted
 * profile lines are left out; the host's confdir and include lines join the profile's at the top
 * (drop-ins come first, as on Debian); the rest follows. Then the managed lines: a `sourcedir` for
 * the profile's sourceDir when sources go there, and `keyfile` for its keysPath when the host holds
 * keys. Throws ConfigError with the fix when chrony.conf would not read either file, or when two
 * lines of the host (or of the profile) set the same thing.
 */
export function composeConf(config: ChronyConfig, profile: HostProfile, options: ComposeOptions): ComposedConf {
  const who = options.hostName !== undefined ? `host ${options.hostName}` : "this host";
  checkRepeats(profile.baseDirectives, `profile '${profile.name}'`, "fix the profile's baseDirectives");
  checkRepeats(config.directives, who, "keep one");

  for (const o of config.omitted) {
    if (o.strict && !profile.baseDirectives.some((d) => omits(o, d))) {
      throw new ConfigError(
        `${who}: ${o.from} names '${o.slot}', which profile '${profile.name}' does not write: remove it from omitProfileDirectives`,
      );
    }
  }
  if (config.sourcesPlacement === "sourcedir") {
    const o = config.omitted.find((x) => x.strict && x.slot === "sourcedir");
    if (o) {
      throw new ConfigError(
        `${who}: ${o.from} leaves out sourcedir, but sources go to the managed file in ${profile.sourceDir}, which chronyd would then never read: keep sourcedir, or set sourcesPlacement: "conf"`,
      );
    }
  }

  const hostBySlot = new Map<string, Directive>();
  for (const d of config.directives) {
    const slot = slotOf(d);
    if (slot !== undefined) hostBySlot.set(slot, d);
  }
  const placed = new Set<Directive>();
  // A host line the profile already has word for word (a sourcedir, a confdir) is not repeated.
  const same = (a: Directive, b: Directive) => a.name.toLowerCase() === b.name.toLowerCase() && a.args.join(" ") === b.args.join(" ");
  for (const d of config.directives) {
    if (slotOf(d) === undefined && profile.baseDirectives.some((b) => same(b, d) && !config.omitted.some((o) => omits(o, b)))) placed.add(d);
  }
  const base: Directive[] = [];
  for (const d of profile.baseDirectives) {
    if (config.omitted.some((o) => omits(o, d))) continue;
    const slot = slotOf(d);
    const replacement = slot !== undefined ? hostBySlot.get(slot) : undefined;
    if (replacement) placed.add(replacement);
    base.push(replacement ?? d);
  }
  const rest = config.directives.filter((d) => !placed.has(d));
  const leadingCount = base.findIndex((d) => !LEADING.has(d.name.toLowerCase()));
  const split = leadingCount < 0 ? base.length : leadingCount;
  const merged: Directive[] = [...base.slice(0, split), ...rest.filter((d) => LEADING.has(d.name.toLowerCase())), ...base.slice(split)];
  const host = rest.filter((d) => !LEADING.has(d.name.toLowerCase()));

  // The managed sources file must be read: add its folder after the last sourcedir of the profile.
  const all = () => [...merged, ...host];
  if (
    config.sourcesPlacement === "sourcedir" &&
    !all().some((d) => d.name.toLowerCase() === "sourcedir" && folders(d).some((f) => sameDir(f, profile.sourceDir)))
  ) {
    const lastSourceDir = merged.map((d) => d.name.toLowerCase()).lastIndexOf("sourcedir");
    const at = lastSourceDir >= 0 ? lastSourceDir + 1 : merged.findIndex((d) => !LEADING.has(d.name.toLowerCase()));
    merged.splice(at < 0 ? merged.length : at, 0, directive("sourcedir", profile.sourceDir));
  }

  // The keys file: the profile's keyfile line follows its keysPath; a host that holds keys gets one.
  const keyfileAt = merged.findIndex((d) => d.name.toLowerCase() === "keyfile");
  const hostKeyfile =
    host.find((d) => d.name.toLowerCase() === "keyfile") ??
    (keyfileAt >= 0 && config.directives.includes(merged[keyfileAt]) ? merged[keyfileAt] : undefined);
  if (hostKeyfile && hostKeyfile.args[0] !== profile.keysPath) {
    throw new ConfigError(
      `${who}: '${directiveLine(hostKeyfile)}' points chronyd at a keys file other than the one the keys are written to (${profile.keysPath}): set the keyFile prop (it moves the profile's keysPath too) instead of a raw keyfile line`,
    );
  }
  if (keyfileAt >= 0 && merged[keyfileAt].args[0] !== profile.keysPath) merged[keyfileAt] = directive("keyfile", profile.keysPath);
  if (options.heldKeyIds.size > 0 && !all().some((d) => d.name.toLowerCase() === "keyfile")) {
    const o = config.omitted.find((x) => x.slot === "keyfile");
    const ids = [...options.heldKeyIds].sort((a, b) => a - b).join(", ");
    if (o) {
      throw new ConfigError(
        `${who} holds key ${ids}, but ${o.from} leaves out keyfile, so chronyd would never read ${profile.keysPath}: keep keyfile in the profile's lines`,
      );
    }
    const lastSourceDir = merged.map((d) => d.name.toLowerCase()).lastIndexOf("sourcedir");
    merged.splice(lastSourceDir >= 0 ? lastSourceDir + 1 : merged.length, 0, directive("keyfile", profile.keysPath));
  }
  const composed = { profileLabel: profileLabel(profile, config.version), base: merged, host };
  checkReadsManagedFiles(composed, config, profile, options.heldKeyIds, who);
  return composed;
}

/**
 * The last line of defence: chrony.conf must read the managed sources file and the keys file.
 * Every path above guarantees it; this catches a future change that would not.
 */
function checkReadsManagedFiles(conf: ComposedConf, config: ChronyConfig, profile: HostProfile, held: ReadonlySet<number>, who: string): void {
  const lines = [...conf.base, ...conf.host];
  if (
    config.sourcesPlacement === "sourcedir" &&
    !lines.some((d) => d.name.toLowerCase() === "sourcedir" && folders(d).some((f) => sameDir(f, profile.sourceDir)))
  ) {
    throw new ConfigError(
      `${who}: chrony.conf has no 'sourcedir ${profile.sourceDir}', so chronyd would never read its sources: add it, or set sourcesPlacement: "conf"`,
    );
  }
  const keyfiles = lines.filter((d) => d.name.toLowerCase() === "keyfile");
  if (held.size > 0 && keyfiles.at(-1)?.args[0] !== profile.keysPath) {
    throw new ConfigError(`${who}: chrony.conf does not read ${profile.keysPath}, where its keys are written: add 'keyfile ${profile.keysPath}'`);
  }
}

/** Two lines of one origin that set the same thing: chronyd would silently use only the last. */
function checkRepeats(lines: readonly Directive[], from: string, fix: string): void {
  const seen = new Map<string, Directive>();
  for (const d of lines) {
    const slot = slotOf(d);
    if (slot === undefined) continue;
    const first = seen.get(slot);
    if (first && slot === "rtcsync|rtcfile" && first.name.toLowerCase() !== d.name.toLowerCase()) {
      throw new ConfigError(`${from}: rtcsync cannot be combined with rtcfile (chronyd refuses it): choose one`);
    }
    if (first) {
      throw new ConfigError(
        `${from}: '${directiveLine(first)}' and '${directiveLine(d)}' set the same thing; chronyd would use only the last: ${fix}`,
      );
    }
    seen.set(slot, d);
  }
}
