import { AccessProps } from "./areas/access";
import { BindingProps } from "./areas/binding";
import { ClockProps } from "./areas/clock";
import { LoggingProps } from "./areas/logging";
import { NtsProps } from "./areas/nts";
import { RefclockProps } from "./areas/refclocks";
import { SelectionProps } from "./areas/selection";
import { SOURCE_KINDS } from "./areas/sources";
import { SystemProps } from "./areas/system";
import { ConfigError } from "./config-error";
import { Directive, parseDirectiveLine } from "./directive";
import { DIRECTIVES } from "./directive-grammar";
import { slotName } from "./directive-slots";
import { PROP_ROWS } from "./prop-table";
import { validateDirective } from "./validate-directive";
import { ChronyVersion, DEFAULT_CHRONY_VERSION, isAtLeast, parseChronyVersion } from "./version";

/** Where server/pool/peer lines go. */
export type SourcesPlacement = "sourcedir" | "conf";

/**
 * The typed chrony configuration of one host, area by area. Every prop names its chrony directive
 * or option first in its documentation. A prop that sets something the host profile also sets
 * replaces the profile's line in place (a flag set to false leaves the profile's line out).
 */
export interface ChronyConfigProps extends AccessProps, BindingProps, ClockProps, SelectionProps, RefclockProps, NtsProps, LoggingProps, SystemProps {
  /** The chrony release on the host; directives and options it lacks are errors. @default "4.3" */
  readonly chronyVersion?: string;
  /**
   * Directives of the profile to leave out, by name, e.g. `["leapsectz"]` for a host whose sources
   * serve leap-smeared time. A name the profile does not have is an error (a typo would otherwise
   * change nothing).
   * @default - keep every directive of the profile
   */
  readonly omitProfileDirectives?: readonly string[];
  /**
   * The escape hatch: lines the typed props do not cover, one directive each (e.g. an option of a
   * chrony release newer than this library). They are checked like every other line: an unknown
   * directive or a bad value is an error. No chrony 4.3 directive needs it.
   * @default - none
   */
  readonly rawDirectives?: readonly string[];
  /**
   * Where server, pool and peer lines go: "sourcedir" keeps them in a managed `*.sources` file in
   * the profile's sourceDir, which `chronyc reload sources` rereads without a restart (chrony ≥ 4.0);
   * "conf" writes them into chrony.conf, where a change needs a restart.
   * @default - "sourcedir" on chrony ≥ 4.0, "conf" before
   */
  readonly sourcesPlacement?: SourcesPlacement;
}

/** A profile directive the host leaves out. */
export interface Omission {
  /** A directive name (lower case), or a shared slot such as "ntsdumpdir" (see slotName): lines of either are left out. */
  readonly slot: string;
  /** From omitProfileDirectives (an error when the profile lacks it), or from a flag set to false (no error). */
  readonly strict: boolean;
  /** The prop that asked, for messages. */
  readonly from: string;
}

/**
 * A host's configuration, resolved to directives (the profile's lines are merged in at render).
 * `sources` holds the source lines given as raw directives; the fleet compiler adds the typed ones.
 */
export interface ChronyConfig {
  readonly version: ChronyVersion;
  readonly sources: readonly Directive[];
  readonly directives: readonly Directive[];
  readonly sourcesPlacement: SourcesPlacement;
  readonly omitted: readonly Omission[];
  /** Lines chronyd accepts but ignores (obsolete directives), each naming its replacement. */
  readonly warnings: readonly string[];
}

/** Builds and checks the configuration; throws ConfigError on the first bad value. */
export function buildChronyConfig(props: ChronyConfigProps): ChronyConfig {
  const version = parseChronyVersion(props.chronyVersion ?? DEFAULT_CHRONY_VERSION);
  const placement = props.sourcesPlacement ?? (isAtLeast(version, "4.0") ? "sourcedir" : "conf");
  if (placement !== "sourcedir" && placement !== "conf") {
    throw new ConfigError(`invalid sourcesPlacement '${String(placement)}': use "sourcedir" or "conf"`);
  }
  if (placement === "sourcedir" && !isAtLeast(version, "4.0")) {
    throw new ConfigError(
      `sourcesPlacement "sourcedir" needs chrony 4.0 or newer (sourcedir and 'reload sources' came in 4.0), but this host runs ${version.text}: use "conf"`,
    );
  }
  const directives: Directive[] = [];
  const omitted: Omission[] = [];
  const record = props as unknown as Readonly<Record<string, unknown>>;
  for (const row of PROP_ROWS) {
    const value = record[row.prop];
    if (value === undefined) continue;
    if (row.list) {
      if (!Array.isArray(value)) throw new ConfigError(`invalid ${row.prop} ${JSON.stringify(value)}: give a list, e.g. ${row.prop}: [...]`);
      for (const element of value) directives.push(...row.render(element));
    } else if (row.flag && value === false) {
      omitted.push({ slot: row.directives[0], strict: false, from: `${row.prop}: false` });
    } else {
      directives.push(...row.render(value));
    }
  }
  for (const [i, name] of (props.omitProfileDirectives ?? []).entries()) {
    const spec = typeof name === "string" ? DIRECTIVES.get(name.toLowerCase()) : undefined;
    if (!spec) {
      throw new ConfigError(`invalid omitProfileDirectives[${i}] '${String(name)}': give the name of a chrony directive, e.g. "leapsectz"`);
    }
    omitted.push({ slot: slotName(name), strict: true, from: `omitProfileDirectives[${i}]` });
  }
  const sources: Directive[] = [];
  for (const [i, line] of (props.rawDirectives ?? []).entries()) {
    if (/[\r\n]/.test(line)) {
      throw new ConfigError(`rawDirectives[${i}] holds more than one line (${JSON.stringify(line)}): give one directive per entry`);
    }
    const d = parseDirectiveLine(line);
    if (!d) throw new ConfigError(`rawDirectives[${i}] is empty or a comment ('${line}'): give one directive per entry`);
    // Raw source lines join the other sources, so they are reloadable too.
    ((SOURCE_KINDS as readonly string[]).includes(d.name.toLowerCase()) ? sources : directives).push(d);
  }
  const warnings: string[] = [];
  for (const d of [...sources, ...directives]) {
    const warning = validateDirective(d, version);
    if (warning) warnings.push(warning);
  }
  return { version, sources, directives, sourcesPlacement: placement, omitted, warnings };
}
