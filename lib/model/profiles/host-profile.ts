import * as v from "valibot";
import { ConfigError } from "../config-error";
import { Directive, hasControlCharacters } from "../directive";
import { validateDirective } from "../validate-directive";
import { ChronyVersion } from "../version";

/** Commands run on the host, as argv arrays (never shell strings). */
export interface ServiceCommands {
  /** Restarts chronyd (re-arms makestep; drops measurements unless dumpdir is used). */
  readonly restart: readonly string[];
  /** Starts chronyd when it is not running (used to bring a host back after a failed restart). */
  readonly start: readonly string[];
  /** Exits 0 when chronyd is running. */
  readonly isActive: readonly string[];
}

/**
 * What differs between systems: paths, the keys file's ownership, how to run chronyc and chronyd,
 * how to restart the service, and the directives every managed chrony.conf starts with.
 * Profiles are plain data: they travel in the host manifest to `cdktf-chrony apply`.
 */
export interface HostProfile {
  /** A short name shown in chrony.conf's header and in reports, e.g. "debian". */
  readonly name: string;
  readonly confPath: string;
  readonly keysPath: string;
  /** The folder chronyd reads `*.sources` from; our sources file lives here. */
  readonly sourceDir: string;
  /** File name of the managed sources file inside `sourceDir`; must end in `.sources`. */
  readonly sourcesFileName: string;
  readonly keysOwner: string;
  readonly keysGroup: string;
  /** Owner of chrony.conf and the sources file, e.g. "root". */
  readonly confOwner: string;
  readonly confGroup: string;
  /** Mode of chrony.keys, e.g. 0o640. */
  readonly keysMode: number;
  /** Mode of chrony.conf and the sources file, e.g. 0o644. */
  readonly confMode: number;
  /** chronyd's invocation; validation runs `[...chronyd, "-p", "-f", stagedConf]`. */
  readonly chronyd: readonly string[];
  /** chronyc's invocation on the host, e.g. `["chronyc"]` or with `-h /path/chronyd.sock`. */
  readonly chronyc: readonly string[];
  readonly service: ServiceCommands;
  /** Directives at the top of every managed chrony.conf (driftfile, keyfile, sourcedir, ...). */
  readonly baseDirectives: readonly Directive[];
  /** The NTP port hosts with this profile serve on (what sources pointing at them use). */
  readonly ntpPort: number;
  /** The UDP command port (what the controller's monitoring client uses). */
  readonly cmdPort: number;
}

/** An absolute path that stays one token in chrony.conf and one argument on the host. */
export const absolutePathSchema = v.pipe(
  v.string(),
  v.check((p) => p.startsWith("/") && !/\s/.test(p) && !hasControlCharacters(p), "an absolute path without whitespace or control characters"),
);
/** A file mode such as 0o640. */
export const fileModeSchema = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0o7777, "a file mode from 0 to 0o7777"));
/** A POSIX user or group name, as chown takes it. */
export const accountNameSchema = v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/, "a user or group name such as _chrony"));
/** A command as argv: a program and its arguments, each passed to the host as data, never as shell text. */
export const argvSchema = v.pipe(
  v.array(
    v.pipe(
      v.string(),
      v.check((a) => !hasControlCharacters(a), "an argument without control characters"),
    ),
  ),
  v.minLength(1, "a command with at least the program name"),
);
const portSchema = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535, "a port from 0 to 65535"));
const directiveSchema = v.object({ name: v.string(), args: v.array(v.string()) });

/** The runtime check of a HostProfile's shape; its output type is the interface above. */
export const hostProfileSchema: v.GenericSchema<unknown, HostProfile> = v.object({
  name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "a short name of letters, digits, '.', '_' and '-'")),
  confPath: absolutePathSchema,
  keysPath: absolutePathSchema,
  sourceDir: absolutePathSchema,
  sourcesFileName: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*\.sources$/, "a file name ending in .sources (chronyd reads only those)")),
  keysOwner: accountNameSchema,
  keysGroup: accountNameSchema,
  confOwner: accountNameSchema,
  confGroup: accountNameSchema,
  keysMode: fileModeSchema,
  confMode: fileModeSchema,
  chronyd: argvSchema,
  chronyc: argvSchema,
  service: v.object({ restart: argvSchema, start: argvSchema, isActive: argvSchema }),
  baseDirectives: v.array(directiveSchema),
  ntpPort: portSchema,
  cmdPort: portSchema,
});

/** `profile.keysMode: a file mode from 0 to 0o7777, got "644 /dev/null"`: the first problem, as one line. */
export function describeIssue(where: string, issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue);
  if (issue.input === undefined) return `${where}${path ? `.${path}` : ""} is missing`;
  const received = JSON.stringify(issue.input);
  const expected = issue.message.startsWith("Invalid") ? (issue.expected ?? issue.message) : issue.message;
  return `${where}${path ? `.${path}` : ""}: expected ${expected}, got ${received}`;
}

/**
 * Checks a profile (from the app or read back from a manifest): every field's shape, then its base
 * directives against the grammar of the host's chrony version. Throws ConfigError naming the field.
 */
export function checkHostProfile(profile: unknown, version: ChronyVersion, where = "profile"): HostProfile {
  const result = v.safeParse(hostProfileSchema, profile);
  if (!result.success) throw new ConfigError(`invalid ${describeIssue(where, result.issues[0])}`);
  const checked = result.output;
  checked.baseDirectives.forEach((d, i) => validateDirective(d, version, `${where}.baseDirectives[${i}] of profile '${checked.name}'`));
  return checked;
}
