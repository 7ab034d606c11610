import * as path from "node:path";
import { SOURCE_KINDS, SOURCE_OPTIONS, SourceKind, sourceDirective } from "../model/areas/sources";
import { ChronyConfigProps, SourcesPlacement, buildChronyConfig } from "../model/chrony-config";
import { isUserError as isConfigErrorLike } from "../errors";
import { Directive, directiveLine } from "../model/directive";
import { DIRECTIVES } from "../model/directive-grammar";
import { slotOf } from "../model/directive-slots";
import { effectiveConfig, effectiveDifference } from "../model/effective-config";
import { HostProfile } from "../model/profiles/host-profile";
import { readNumber } from "../model/prop-rows";
import { ROWS_BY_DIRECTIVE } from "../model/prop-table";
import { validateDirective } from "../model/validate-directive";
import { parseChronyVersion } from "../model/version";
import { ConfLine, parseConfText, where } from "../parse/parse-conf";
import { renderHostFiles } from "../render/host-files";
import { expandIncludes, filesOfDirs } from "./expand-includes";
import { HostSnapshot, SnapshotFile } from "./host-snapshot";
import { ImportReport } from "./import-report";
import { ProfileChoice, ProfileOverrides, buildProfile } from "./profile-choice";
import { ImportedKey, readKeys } from "./read-keys";

/** A server, pool or peer line, as typed options. */
export interface ImportedSource {
  readonly kind: SourceKind;
  readonly address: string;
  /** PoolOptions props without keyId, e.g. { iburst: true, maxPoll: 8 }. */
  readonly options: Readonly<Record<string, unknown>>;
  readonly keyId?: number;
  readonly at: string;
}

/** A line kept as a raw directive, with why it has no typed form. */
export interface RawLine {
  readonly line: string;
  readonly at: string;
  readonly why: string;
}

/** One host, imported: what the generated code declares for it. */
export interface ImportedHost {
  readonly name: string;
  readonly snapshot: HostSnapshot;
  readonly chronyVersion: string;
  readonly profile: ProfileChoice;
  /** Typed ChronyConfigProps, plain data; without sources, rawDirectives and sourcesPlacement. */
  readonly props: Readonly<Record<string, unknown>>;
  /** The first line each prop came from, for comments in the generated code. */
  readonly origins: Readonly<Record<string, string>>;
  readonly sourcesPlacement: SourcesPlacement;
  readonly sources: readonly ImportedSource[];
  readonly raw: readonly RawLine[];
  /** Lines chronyd would refuse: reported, and listed as comments in the generated code. */
  readonly notImported: readonly RawLine[];
  /** Keys in the host's chrony.keys (secret material: only for the key store). */
  readonly keys: readonly ImportedKey[];
  /** IDs of keys in chrony.keys that could not be imported (unsupported type, bad material). */
  readonly undeclaredKeyIds: readonly number[];
  readonly reports: readonly ImportReport[];
}

export interface ImportHostOptions {
  /** Where sources go in the app. @default - where they are on the host */
  readonly sourcesPlacement?: SourcesPlacement;
}

const ACCESS = new Set(["allow", "deny", "cmdallow", "cmddeny"]);
const isSource = (d: Directive) => (SOURCE_KINDS as readonly string[]).includes(d.name.toLowerCase());
/** A profile this far from the host's chrony.conf is better written out line by line. */
const MAX_OMITTED = 2;

/**
 * Turns one host's chrony.conf (and the files it reads) into typed props: every line through the
 * prop rows the model renders with, lines chronyd reads but ignores kept as raw directives with the
 * reason, lines chronyd would refuse reported with their file and line. Sources stay where they are
 * (chrony.conf, or the one `*.sources` file of a sourcedir), so the first deploy changes nothing
 * chronyd does. Ends with a self-check: the props, rendered as synth would, must give the same
 * effective configuration as the host's files.
 */
export function importHost(snapshot: HostSnapshot, options: ImportHostOptions = {}): ImportedHost {
  const reports: ImportReport[] = snapshot.notes.map((message) => ({ level: "info", message }));
  const version = parseChronyVersion(snapshot.chronyVersion);
  const raw: RawLine[] = [];
  const notImported: RawLine[] = [];

  // 1. The lines chronyd accepts; the others are reported (the original would not even start).
  const valid: ConfLine[] = [];
  for (const line of parseConfText(snapshot.conf.text, snapshot.conf.path)) {
    try {
      const warning = validateDirective(line.directive, version);
      const spec = DIRECTIVES.get(line.directive.name.toLowerCase());
      // An old name of a directive (ntscachedir) is written as the directive; any other warned line stays raw.
      const alias = spec?.obsolete !== undefined && spec.slot !== undefined && DIRECTIVES.has(spec.slot) ? spec.slot : undefined;
      valid.push(line);
      if (warning && alias === undefined) {
        raw.push({ line: directiveLine(line.directive), at: where(line), why: warning.replace(/^'[^']*' is /, "") });
        reports.push({ at: where(line), level: "warning", message: warning });
      } else if (warning) {
        reports.push({ at: where(line), level: "info", message: `${warning} (the app writes ${alias})` });
      }
    } catch (err) {
      if (!isConfigErrorLike(err)) throw err;
      notImported.push({ line: directiveLine(line.directive), at: where(line), why: err.message });
      reports.push({ at: where(line), level: "error", message: `${err.message}; not imported` });
    }
  }
  const rawLines = new Set(raw.map((r) => r.at));

  // 2. Of lines chronyd reads once, the last counts.
  const lastBySlot = new Map<string, ConfLine>();
  for (const l of valid) {
    const slot = slotOf(l.directive);
    if (slot === undefined || rawLines.has(where(l))) continue;
    const before = lastBySlot.get(slot);
    if (before) {
      reports.push({
        at: where(before),
        level: "warning",
        message: ["ratelimit", "cmdratelimit", "ntsratelimit"].includes(slot)
          ? `'${directiveLine(before.directive)}' and line ${l.lineNumber} ('${directiveLine(l.directive)}') add up, as chronyd reads them: imported as one line`
          : `'${directiveLine(before.directive)}' is overridden by line ${l.lineNumber} ('${directiveLine(l.directive)}'), as chronyd reads it: only the later line is imported`,
      });
    }
    lastBySlot.set(slot, l);
  }
  // chronyd sets only the options a ratelimit line gives: the last line, with the earlier ones' other options.
  for (const [slot, last] of lastBySlot) {
    if (!["ratelimit", "cmdratelimit", "ntsratelimit"].includes(slot)) continue;
    const options = new Map<string, string>();
    for (const l of valid.filter((x) => slotOf(x.directive) === slot && !rawLines.has(where(x)))) {
      for (let i = 0; i + 1 < l.directive.args.length; i += 2) options.set(l.directive.args[i].toLowerCase(), l.directive.args[i + 1]);
    }
    lastBySlot.set(slot, { ...last, directive: { name: last.directive.name, args: [...options].flat() } });
  }
  const effective = valid.flatMap((l) => {
    const slot = slotOf(l.directive);
    if (rawLines.has(where(l))) return [];
    if (slot === undefined) return [l];
    const last = lastBySlot.get(slot)!;
    return where(last) === where(l) ? [last] : [];
  });

  // 3. Where sources are: chrony.conf, or the single *.sources file of a sourcedir (taken over).
  const confSources = effective.filter((l) => isSource(l.directive));
  const candidates = sourceFileCandidates(effective, snapshot);
  const takeover = confSources.length === 0 && options.sourcesPlacement !== "conf" && candidates.length === 1 ? candidates[0] : undefined;
  for (const f of candidates.filter((c) => c !== takeover)) {
    reports.push({
      at: f.path,
      level: "info",
      message:
        "left on the host as it is (chronyd keeps loading it): the app takes over a sources file only when it is a host's only one and chrony.conf has no sources; move these sources into the app to manage them",
    });
  }
  const takenSources = takeover ? readSourcesFile(takeover, version, { reports, raw, notImported }) : [];
  const placement: SourcesPlacement = takeover ? "sourcedir" : (options.sourcesPlacement ?? "conf");
  const overrides: ProfileOverrides = takeover
    ? { sourceDir: path.posix.dirname(takeover.path), sourcesFileName: path.posix.basename(takeover.path) }
    : {};

  // 4. The profile: the layout's preset, with the stock lines this host kept.
  const nonSources = effective.filter((l) => !isSource(l.directive));
  const profile = chooseProfile(snapshot, nonSources, overrides, version.text);
  const covered = profile.covered;
  const props: Record<string, unknown> = {};
  const origins: Record<string, string> = {};
  if (version.text !== "4.3") props.chronyVersion = version.text;
  if (profile.omitted.length > 0) {
    const flags = profile.omitted.filter((n) => n === "rtcsync");
    const names = profile.omitted.filter((n) => n !== "rtcsync");
    for (const f of flags) props[f] = false;
    if (names.length > 0) props.omitProfileDirectives = names;
  }

  // 5. Every other line through its prop row.
  const accessLines: ConfLine[] = [];
  const ntsKeys: ConfLine[] = [];
  const ntsCerts: ConfLine[] = [];
  for (const l of nonSources) {
    if (covered.has(l)) continue;
    const name = l.directive.name.toLowerCase();
    if (ACCESS.has(name)) accessLines.push(l);
    else if (name === "ntsserverkey") ntsKeys.push(l);
    else if (name === "ntsservercert") ntsCerts.push(l);
    else setFromRow(l, props, origins, raw);
  }
  Object.assign(props, accessProps(accessLines, origins));
  if (ntsKeys.length > 0 || ntsCerts.length > 0) {
    const pairs = Math.min(ntsKeys.length, ntsCerts.length);
    props.ntsServerKeys = Array.from({ length: pairs }, (_, i) => ({
      keyFile: ntsKeys[i].directive.args[0],
      certFile: ntsCerts[i].directive.args[0],
    }));
    origins.ntsServerKeys = where(ntsKeys[0] ?? ntsCerts[0]);
    for (const extra of [...ntsKeys.slice(pairs), ...ntsCerts.slice(pairs)]) {
      notImported.push({ line: directiveLine(extra.directive), at: where(extra), why: "no ntsserverkey/ntsservercert partner" });
      reports.push({
        at: where(extra),
        level: "error",
        message: `'${directiveLine(extra.directive)}' has no ntsserverkey/ntsservercert partner (chronyd pairs them in order and refuses the NTS server): not imported`,
      });
    }
  }

  // 6. Sources and keys.
  const sources = [...confSources.map((l) => readSource(l)), ...takenSources];
  const dedup = dedupSources(sources, reports);
  const keyFile = snapshot.keys ? readKeys(snapshot.keys.text, snapshot.keys.path) : { keys: [], skipped: [], reports: [] };
  reports.push(...keyFile.reports);

  const host: ImportedHost = {
    name: snapshot.name,
    snapshot,
    chronyVersion: version.text,
    profile: profile.choice,
    props,
    origins,
    sourcesPlacement: placement,
    sources: dedup,
    raw,
    notImported,
    keys: keyFile.keys,
    undeclaredKeyIds: keyFile.skipped,
    reports,
  };
  // Lines reported as not imported are left out of the comparison: it looks for what nobody was told.
  const leftOut = new Set(notImported.map((n) => n.at));
  const kept = (lines: readonly ConfLine[]) => lines.filter((l) => !leftOut.has(where(l))).map((l) => l.directive);
  selfCheck(host, kept(valid), takeover ? kept(parseConfText(takeover.text, takeover.path)) : [], reports);
  return host;
}

/** The `*.sources` files of the host's sourcedirs outside /run (where DHCP clients write theirs at runtime). */
function sourceFileCandidates(lines: readonly ConfLine[], snapshot: HostSnapshot): SnapshotFile[] {
  const candidates: SnapshotFile[] = [];
  for (const l of lines.filter((x) => x.directive.name.toLowerCase() === "sourcedir")) {
    const dirs = l.directive.args.filter((d) => !d.startsWith("/run/") && !d.startsWith("/var/run/"));
    candidates.push(...filesOfDirs(dirs, ".sources", snapshot.sourceFiles));
  }
  return candidates;
}

/** The sources of a taken-over file; a line no typed source writes stays raw, one chronyd refuses is reported. */
function readSourcesFile(
  file: SnapshotFile,
  version: ReturnType<typeof parseChronyVersion>,
  out: { readonly reports: ImportReport[]; readonly raw: RawLine[]; readonly notImported: RawLine[] },
): ImportedSource[] {
  const sources: ImportedSource[] = [];
  for (const line of parseConfText(file.text, file.path)) {
    const refuse = (why: string) => {
      out.notImported.push({ line: directiveLine(line.directive), at: where(line), why });
      out.reports.push({ at: where(line), level: "error", message: `${why}; not imported` });
    };
    if (!isSource(line.directive)) {
      refuse(`'${line.directive.name}' in a sources file: chronyd reads only server, pool and peer lines there`);
      continue;
    }
    try {
      const warning = validateDirective(line.directive, version);
      if (warning) {
        out.raw.push({ line: directiveLine(line.directive), at: where(line), why: warning.replace(/^'[^']*' is /, "") });
        out.reports.push({ at: where(line), level: "warning", message: warning });
      } else {
        sources.push(readSource(line));
      }
    } catch (err) {
      if (!isConfigErrorLike(err)) throw err;
      refuse(err.message);
    }
  }
  return sources;
}

/** A source line (already valid) as typed options. */
function readSource(l: ConfLine): ImportedSource {
  const [address, ...args] = l.directive.args;
  const options: Record<string, unknown> = {};
  let keyId: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const spec = SOURCE_OPTIONS.get(args[i].toLowerCase())!;
    const value = spec.value ? (spec.prop === "extField" ? args[++i].toUpperCase() : readNumber(args[++i])) : true;
    if (spec.prop === "keyId") keyId = value as number;
    else options[spec.prop] = value;
  }
  return { kind: l.directive.name.toLowerCase() as SourceKind, address, options, ...(keyId !== undefined ? { keyId } : {}), at: where(l) };
}

/** chronyd ignores a second source with the same address ("Could not add source"). */
function dedupSources(sources: readonly ImportedSource[], reports: ImportReport[]): ImportedSource[] {
  const seen = new Map<string, ImportedSource>();
  const out: ImportedSource[] = [];
  for (const s of sources) {
    const key = s.address.toLowerCase();
    const first = seen.get(key);
    if (first) {
      reports.push({
        at: s.at,
        level: "warning",
        message: `${s.kind} ${s.address} repeats the source at ${first.at}; chronyd ignores the second one, and so does the import`,
      });
      continue;
    }
    seen.set(key, s);
    out.push(s);
  }
  return out;
}

interface ChosenProfile {
  readonly choice: ProfileChoice;
  /** Host lines the profile's stock lines already write. */
  readonly covered: ReadonlySet<ConfLine>;
  /** Directive names of the profile to leave out. */
  readonly omitted: readonly string[];
}

const canonical = (d: Directive) => effectiveConfig([d])[0];

function chooseProfile(snapshot: HostSnapshot, lines: readonly ConfLine[], overrides: ProfileOverrides, chronyVersion: string): ChosenProfile {
  const withStock: ProfileChoice = { layout: snapshot.layout, stockLines: true, overrides };
  const stock = buildProfile(withStock, chronyVersion).baseDirectives;
  const covered = new Set<ConfLine>();
  const omitted = new Set<string>();
  for (const b of stock) {
    const name = b.name.toLowerCase();
    const slot = slotOf(b);
    if (slot !== undefined) {
      const host = lines.find((l) => slotOf(l.directive) === slot);
      if (!host) omitted.add(name);
      else if (canonical(host.directive) === canonical(b)) covered.add(host);
      // Otherwise the host's line becomes a typed prop that replaces the stock line in place.
    } else {
      const host = lines.find((l) => !covered.has(l) && l.directive.name.toLowerCase() === name && canonical(l.directive) === canonical(b));
      if (host) covered.add(host);
      else omitted.add(name);
    }
  }
  // Leaving out a repeated directive (sourcedir) leaves out all its stock lines: the host's own come back as props.
  for (const l of [...covered]) if (slotOf(l.directive) === undefined && omitted.has(l.directive.name.toLowerCase())) covered.delete(l);
  if (omitted.size > MAX_OMITTED) {
    return { choice: { layout: snapshot.layout, stockLines: false, overrides }, covered: new Set(), omitted: [] };
  }
  return { choice: withStock, covered, omitted: [...omitted] };
}

/** The prop a line sets through its row; a form no row writes stays a raw directive. */
function setFromRow(l: ConfLine, props: Record<string, unknown>, origins: Record<string, string>, raw: RawLine[]): void {
  const name = l.directive.name.toLowerCase();
  const row = ROWS_BY_DIRECTIVE.get(name)?.[0];
  const value = row?.read(l.directive.args, name);
  if (!row || value === undefined) {
    raw.push({ line: directiveLine(l.directive), at: where(l), why: "no typed prop writes this form of the line" });
    return;
  }
  origins[row.prop] ??= where(l);
  if (row.list) props[row.prop] = [...((props[row.prop] as unknown[] | undefined) ?? []), value];
  else if (row.prop === "log") props.log = [...new Set([...((props.log as string[] | undefined) ?? []), ...(value as string[])])];
  else props[row.prop] = value;
}

/**
 * allow/deny (and cmdallow/cmddeny) as the typed lists when that keeps chronyd's reading (every
 * allow before every deny, no `all` keyword), else as accessRules in the host's order.
 */
function accessProps(lines: readonly ConfLine[], origins: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const rules: Array<Record<string, unknown>> = [];
  for (const [allow, deny, allowProp, denyProp] of [
    ["allow", "deny", "allow", "deny"],
    ["cmdallow", "cmddeny", "cmdAllow", "cmdDeny"],
  ] as const) {
    const table = lines.filter((l) => [allow, deny].includes(l.directive.name.toLowerCase() as typeof allow));
    if (table.length === 0) continue;
    const isAllow = (l: ConfLine) => l.directive.name.toLowerCase() === allow;
    const firstDeny = table.findIndex((l) => !isAllow(l));
    const ordered = firstDeny < 0 || table.slice(firstDeny).every((l) => !isAllow(l));
    const usesAll = table.some((l) => l.directive.args[0] === "all");
    if (ordered && !usesAll) {
      const entries = (ls: ConfLine[]) => ls.map((l) => l.directive.args[0] ?? "all");
      const allows = entries(table.filter(isAllow));
      const denies = entries(table.filter((l) => !isAllow(l)));
      if (allows.length > 0) {
        out[allowProp] = allows;
        origins[allowProp] = where(table.find(isAllow)!);
      }
      if (denies.length > 0) {
        out[denyProp] = denies;
        origins[denyProp] = where(table.find((l) => !isAllow(l))!);
      }
    } else {
      for (const l of table) {
        const all = l.directive.args[0] === "all";
        const subnet = all ? l.directive.args[1] : l.directive.args[0];
        rules.push({ directive: l.directive.name.toLowerCase(), ...(subnet !== undefined ? { subnet } : {}), ...(all ? { all: true } : {}) });
      }
      origins.accessRules ??= where(table[0]);
    }
  }
  if (rules.length > 0) out.accessRules = rules;
  return out;
}

/** The host's profile object as the generated code builds it (keyFile moves keysPath, as ChronyHost does). */
export function profileOf(host: ImportedHost): HostProfile {
  const profile = buildProfile(host.profile, host.chronyVersion);
  const keyFile = host.props.keyFile;
  return typeof keyFile === "string" ? { ...profile, keysPath: keyFile } : profile;
}

/** The host's files as synth would render them from the imported props. */
export function renderImported(host: ImportedHost): { conf: Directive[]; sources: Directive[] } {
  const config = buildChronyConfig({
    ...(host.props as ChronyConfigProps),
    rawDirectives: host.raw.map((r) => r.line),
    sourcesPlacement: host.sourcesPlacement,
  });
  const sources = host.sources.map((s) => sourceDirective(s.kind, s.address, { ...s.options, keyId: s.keyId }));
  const held = new Set([...host.keys.map((k) => k.id), ...host.sources.flatMap((s) => (s.keyId !== undefined ? [s.keyId] : []))]);
  const files = renderHostFiles({ ...config, sources: [...config.sources, ...sources] }, profileOf(host), { heldKeyIds: held, hostName: host.name });
  const read = (role: string) => parseConfText(files.find((f) => f.role === role)?.content ?? "", role).map((l) => l.directive);
  return { conf: read("conf"), sources: read("sources") };
}

/**
 * The promise of import, checked before anything is written: rendered as synth will, the props
 * give the same effective configuration as the host's chrony.conf and taken-over sources file, and
 * with the drop-ins read, the same as chronyd reads them (confdir and include lines come first in
 * the app).
 */
function selfCheck(host: ImportedHost, originalLines: readonly Directive[], takenLines: readonly Directive[], reports: ImportReport[]): void {
  let rendered: { conf: Directive[]; sources: Directive[] };
  try {
    rendered = renderImported(host);
  } catch (err) {
    if (!isConfigErrorLike(err)) throw err;
    reports.push({ level: "error", message: `the generated app would not synthesize: ${err.message}` });
    return;
  }
  // Sources moved into the managed file (--sources-placement sourcedir) need its sourcedir line.
  const profile = profileOf(host);
  const managedDir = (d: Directive) => d.name.toLowerCase() === "sourcedir" && d.args.length === 1 && d.args[0] === profile.sourceDir;
  const added = host.sourcesPlacement === "sourcedir" && !originalLines.some(managedDir) && rendered.conf.some(managedDir);
  if (added) reports.push({ level: "info", message: `the app adds 'sourcedir ${profile.sourceDir}' for its managed sources file` });
  const renderedConf = added ? rendered.conf.filter((d) => !managedDir(d)) : rendered.conf;
  const before = effectiveConfig(originalLines, takenLines);
  const after = effectiveConfig(renderedConf, rendered.sources);
  const diff = effectiveDifference(before, after);
  if (diff.onlyFirst.length > 0 || diff.onlySecond.length > 0) {
    reports.push({
      level: "error",
      message: `the generated app would not reproduce the host's configuration (please report this): only on the host: ${diff.onlyFirst.join("; ") || "-"}; only in the app: ${diff.onlySecond.join("; ") || "-"}`,
    });
    return;
  }
  const included = host.snapshot.included;
  if (included.length === 0) return;
  const expanded = effectiveDifference(
    effectiveConfig(expandIncludes(originalLines, included), takenLines),
    effectiveConfig(expandIncludes(rendered.conf, included), rendered.sources),
  );
  if (expanded.onlyFirst.length > 0 || expanded.onlySecond.length > 0) {
    const line = parseConfText(host.snapshot.conf.text, host.snapshot.conf.path).find((l) =>
      ["confdir", "include"].includes(l.directive.name.toLowerCase()),
    );
    reports.push({
      at: line ? where(line) : undefined,
      level: "error",
      message: `chrony.conf sets what its drop-ins set, after them; the app reads drop-ins first, so the outcome would differ (on the host: ${expanded.onlyFirst.join("; ")}; in the app: ${expanded.onlySecond.join("; ")}): move the line into the drop-in, or the drop-in's line into chrony.conf, then import again`,
    });
  }
}
