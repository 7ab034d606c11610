import { AccessProps, accessDirectives } from "./areas/access";
import { BindingProps, bindingDirectives } from "./areas/binding";
import { ClockProps, clockDirectives } from "./areas/clock";
import { LoggingProps, loggingDirectives } from "./areas/logging";
import { NtsProps, ntsDirectives } from "./areas/nts";
import { SOURCE_KINDS } from "./areas/sources";
import { ConfigError } from "./config-error";
import { Directive, directive, parseDirectiveLine } from "./directive";
import { validateDirective } from "./validate-directive";
import { ChronyVersion, DEFAULT_CHRONY_VERSION, isAtLeast, parseChronyVersion } from "./version";

/** Where server/pool/peer lines go. */
export type SourcesPlacement = "sourcedir" | "conf";

/** The typed chrony configuration of one host, area by area. */
export interface ChronyConfigProps extends AccessProps, BindingProps, ClockProps, NtsProps, LoggingProps {
  /** The chrony release on the host; directives and options it lacks are errors. @default "4.3" */
  readonly chronyVersion?: string;
  /** Extra `confdir` folders. @default - none */
  readonly confDirs?: readonly string[];
  /** `include` globs. @default - none */
  readonly includes?: readonly string[];
  /**
   * Directives the typed props do not cover, one line each (e.g. "maxslewrate 500"). They are
   * checked like every other line: an unknown directive or a bad value is an error.
   * @default - none
   */
  readonly rawDirectives?: readonly string[];
  /**
   * "sourcedir" keeps sources in a managed file that `chronyc reload sources` rereads without a
   * restart (chrony ≥ 4.0); "conf" writes them into chrony.conf.
   * @default - "sourcedir" on chrony ≥ 4.0, "conf" before
   */
  readonly sourcesPlacement?: SourcesPlacement;
}

/**
 * A host's configuration, resolved to directives (the profile's base lines are added at render).
 * `sources` holds the source lines given as raw directives; the fleet compiler adds the typed ones.
 */
export interface ChronyConfig {
  readonly version: ChronyVersion;
  readonly sources: readonly Directive[];
  readonly directives: readonly Directive[];
  readonly sourcesPlacement: SourcesPlacement;
}

/** Builds and checks the configuration; throws ConfigError on the first bad value. */
export function buildChronyConfig(props: ChronyConfigProps): ChronyConfig {
  const version = parseChronyVersion(props.chronyVersion ?? DEFAULT_CHRONY_VERSION);
  const placement = props.sourcesPlacement ?? (isAtLeast(version, "4.0") ? "sourcedir" : "conf");
  if (placement === "sourcedir" && !isAtLeast(version, "4.0")) {
    throw new ConfigError(
      `sourcesPlacement "sourcedir" needs chrony 4.0 or newer (sourcedir and 'reload sources' came in 4.0), but this host runs ${version.text}: use "conf"`,
    );
  }
  const sources: Directive[] = [];
  const raw = (props.rawDirectives ?? []).map((line, i) => {
    if (/[\r\n]/.test(line)) {
      throw new ConfigError(`rawDirectives[${i}] holds more than one line (${JSON.stringify(line)}): give one directive per entry`);
    }
    const d = parseDirectiveLine(line);
    if (!d) throw new ConfigError(`rawDirectives[${i}] is empty or a comment ('${line}'): give one directive per entry`);
    return d;
  });
  const directives: Directive[] = [
    ...bindingDirectives(props),
    ...accessDirectives(props),
    ...clockDirectives(props),
    ...ntsDirectives(props),
    ...loggingDirectives(props),
    ...(props.confDirs ?? []).map((d) => directive("confdir", d)),
    ...(props.includes ?? []).map((g) => directive("include", g)),
  ];
  // Raw source lines join the other sources, so they are reloadable too.
  for (const d of raw) ((SOURCE_KINDS as readonly string[]).includes(d.name.toLowerCase()) ? sources : directives).push(d);
  for (const d of sources) validateDirective(d, version);
  for (const d of directives) validateDirective(d, version);
  return { version, sources, directives, sourcesPlacement: placement };
}
