import { ArgsCheck, eitherOf, listOf, noArgs, positional, withOptions } from "./arg-checks";
import { sourceCheck } from "./areas/sources";
import {
  TokenCheck,
  TokenProblem,
  absolutePath,
  anyWord,
  decimal,
  integer,
  ipAddress,
  isProblem,
  keyId,
  oneOf,
  subnet,
} from "./tokens";

/** What the library knows about one directive of chrony.conf. */
export interface DirectiveSpec {
  /** The release that added it. */
  readonly since: string;
  /** The release that removed it, and what to use instead. */
  readonly removed?: { readonly in: string; readonly instead: string };
  readonly check: ArgsCheck;
}

const port = integer(0, 65535);
const seconds = decimal(0);
const ppm = decimal(0);
const path = absolutePath;
const one = (label: string, check: TokenCheck<unknown>) => positional([label, check]);

/** `[all] [SUBNET]`, the grammar of allow, deny, cmdallow and cmddeny. */
const accessRule: ArgsCheck = (args) => {
  const rest = args[0]?.toLowerCase() === "all" ? args.slice(1) : args;
  if (rest.length > 1) return `takes [all] and at most one subnet, got '${args.join(" ")}'`;
  if (rest.length === 1) {
    const result = subnet(rest[0]);
    if (isProblem(result)) return `subnet must be ${result.expected}, got '${rest[0]}'`;
  }
  return undefined;
};

/** bindcmdaddress takes an IP address, a Unix socket path, or "/" to disable the socket. */
const cmdAddress: TokenCheck<string> = (token) =>
  token.startsWith("/") || !isProblem(ipAddress(token))
    ? token
    : new TokenProblem("an IP address, a Unix socket path, or / to disable the socket");

const rateLimit = withOptions([], {
  interval: { value: integer(-19, 12) },
  burst: { value: integer(1, 255) },
  leak: { value: integer(1, 4) },
  kod: { value: integer(0, 255), since: "4.6" },
});

const logNames = [
  "rawmeasurements",
  "measurements",
  "statistics",
  "tracking",
  "rtc",
  "refclocks",
  "tempcomp",
  "selection",
];
const logCheck: ArgsCheck = (args, version) => {
  if (args.length === 0) return `needs at least one of ${logNames.join(", ")}`;
  for (const name of args) {
    // chronyd compares these case-sensitively.
    if (!logNames.includes(name)) return `'${name}' is not a log (valid: ${logNames.join(", ")})`;
    if (name === "selection" && !(version.major > 4 || (version.major === 4 && version.minor >= 3))) {
      return `log selection needs chrony 4.3 or newer (this host runs ${version.text})`;
    }
  }
  return undefined;
};

const refclockOptions = {
  refid: { value: (t: string) => (/^[\x21-\x7e]{1,4}$/.test(t) ? t : new TokenProblem("1 to 4 printable ASCII characters")) },
  lock: { value: (t: string) => (/^[\x21-\x7e]{1,4}$/.test(t) ? t : new TokenProblem("the refid (1 to 4 characters) of a PPS source's companion")) },
  poll: { value: integer(-6, 24) },
  dpoll: { value: integer(-6, 24) },
  filter: { value: integer(1, 4096) },
  local: { since: "4.3" },
  rate: { value: integer(1, 1_000_000) },
  minsamples: { value: integer(0, 64) },
  maxsamples: { value: integer(0, 64) },
  maxlockage: { value: integer(0, 1_000_000) },
  offset: { value: decimal() },
  delay: { value: decimal(0) },
  pps: {},
  precision: { value: decimal(0) },
  maxdispersion: { value: decimal(0) },
  stratum: { value: integer(0, 15) },
  tai: {},
  width: { value: decimal(0) },
  noselect: {},
  prefer: {},
  trust: {},
  require: {},
};

const hwtimestampOptions = {
  minpoll: { value: integer(-6, 24) },
  maxpoll: { value: integer(-6, 24), since: "4.4" },
  minsamples: { value: integer(0, 64) },
  maxsamples: { value: integer(0, 64) },
  precision: { value: decimal(0) },
  txcomp: { value: decimal() },
  rxcomp: { value: decimal() },
  nocrossts: {},
  rxfilter: { value: oneOf(["all", "ntp", "ptp", "none"]) },
};

const localOptions = {
  stratum: { value: integer(1, 15) },
  orphan: {},
  distance: { value: decimal(0) },
  activate: { value: decimal(0), since: "4.6" },
  waitsynced: { value: decimal(), since: "4.7" },
  waitunsynced: { value: decimal(), since: "4.7" },
};

const COMMAND_KEY_REMOVED = {
  in: "2.2",
  instead:
    "command authentication was removed in chrony 2.2; control command access with bindcmdaddress (loopback and the Unix socket by default), cmdallow/cmddeny, and the Unix socket's permissions",
};

/**
 * The directives of chrony.conf with the release that added each one (chrony's NEWS and conf.c
 * history; 1.31 stands for "before the oldest release we model").
 */
export const DIRECTIVES: ReadonlyMap<string, DirectiveSpec> = new Map<string, DirectiveSpec>([
  // Sources
  ["server", { since: "1.31", check: sourceCheck("server") }],
  ["pool", { since: "2.0", check: sourceCheck("pool") }],
  ["peer", { since: "1.31", check: sourceCheck("peer") }],
  ["refclock", { since: "1.31", check: withOptions([["driver", oneOf(["PPS", "SHM", "SOCK", "PHC"], true)], ["parameter", anyWord]], refclockOptions) }],
  ["initstepslew", { since: "1.31", check: (args) => (args.length < 2 || isProblem(decimal(0)(args[0])) ? "takes a threshold in seconds and at least one server" : undefined) }],
  ["broadcast", { since: "1.31", check: eitherOf(positional(["interval", integer(1, 2 ** 31 - 1)], ["address", ipAddress]), positional(["interval", integer(1, 2 ** 31 - 1)], ["address", ipAddress], ["port", port])) }],
  ["sourcedir", { since: "4.0", check: listOf("directory", path, 1, 10) }],
  // Access and binding
  ["allow", { since: "1.31", check: accessRule }],
  ["deny", { since: "1.31", check: accessRule }],
  ["cmdallow", { since: "1.31", check: accessRule }],
  ["cmddeny", { since: "1.31", check: accessRule }],
  ["bindaddress", { since: "1.31", check: one("address", ipAddress) }],
  ["bindacqaddress", { since: "1.31", check: one("address", ipAddress) }],
  ["bindcmdaddress", { since: "1.31", check: one("address", cmdAddress) }],
  ["binddevice", { since: "4.0", check: one("interface", anyWord) }],
  ["bindacqdevice", { since: "4.0", check: one("interface", anyWord) }],
  ["bindcmddevice", { since: "4.0", check: one("interface", anyWord) }],
  ["port", { since: "1.31", check: one("port", port) }],
  ["cmdport", { since: "1.31", check: one("port", port) }],
  ["acquisitionport", { since: "1.31", check: one("port", port) }],
  ["ptpport", { since: "4.2", check: one("port", port) }],
  ["ptpdomain", { since: "4.6", check: one("domain", integer(0, 255)) }],
  ["ratelimit", { since: "1.31", check: rateLimit }],
  ["cmdratelimit", { since: "1.31", check: rateLimit }],
  ["ntsratelimit", { since: "4.0", check: rateLimit }],
  ["clientloglimit", { since: "1.31", check: one("bytes", integer(0, 2 ** 32 - 1)) }],
  ["noclientlog", { since: "1.31", check: noArgs() }],
  ["opencommands", { since: "4.7", check: listOf("command", anyWord) }],
  ["dscp", { since: "4.0", check: one("value", integer(0, 63)) }],
  // Authentication and NTS
  ["keyfile", { since: "1.31", check: one("path", path) }],
  ["authselectmode", { since: "4.0", check: one("mode", oneOf(["require", "prefer", "mix", "ignore"])) }],
  ["commandkey", { since: "1.31", removed: COMMAND_KEY_REMOVED, check: one("key ID", keyId) }],
  ["generatecommandkey", { since: "1.31", removed: COMMAND_KEY_REMOVED, check: noArgs() }],
  ["ntsserverkey", { since: "4.0", check: one("path", path) }],
  ["ntsservercert", { since: "4.0", check: one("path", path) }],
  ["ntsdumpdir", { since: "4.0", check: one("directory", path) }],
  ["ntscachedir", { since: "4.0", removed: { in: "4.0", instead: "it is the old name of ntsdumpdir; write ntsdumpdir" }, check: one("directory", path) }],
  ["ntsport", { since: "4.0", check: one("port", port) }],
  ["ntsprocesses", { since: "4.0", check: one("count", integer(0, 1000)) }],
  ["maxntsconnections", { since: "4.0", check: one("count", integer(1, 2 ** 31 - 1)) }],
  ["ntsntpserver", { since: "4.0", check: one("hostname", anyWord) }],
  ["ntsrotate", { since: "4.0", check: one("seconds", integer(0, 2 ** 31 - 1)) }],
  ["ntsrefresh", { since: "4.0", check: one("seconds", integer(0, 2 ** 31 - 1)) }],
  ["ntstrustedcerts", { since: "4.0", check: eitherOf(one("path", path), positional(["set ID", integer(0, 2 ** 32 - 1)], ["path", path])) }],
  ["nosystemcert", { since: "4.0", check: noArgs() }],
  ["nocerttimecheck", { since: "4.0", check: one("updates", integer(0, 2 ** 31 - 1)) }],
  ["ntsaeads", { since: "4.6.1", check: listOf("AEAD ID", integer(1, 65535)) }],
  ["ntpsigndsocket", { since: "1.31", check: one("path", path) }],
  // Clock discipline
  ["makestep", { since: "1.31", check: positional(["threshold (seconds)", seconds], ["limit (updates, negative = unlimited)", integer(-(2 ** 31), 2 ** 31 - 1)]) }],
  ["maxupdateskew", { since: "1.31", check: one("skew (ppm)", ppm) }],
  ["maxchange", { since: "1.31", check: positional(["offset (seconds)", seconds], ["start (updates)", integer(0, 2 ** 31 - 1)], ["ignore (updates)", integer(-1, 2 ** 31 - 1)]) }],
  ["maxslewrate", { since: "1.31", check: one("rate (ppm)", ppm) }],
  ["maxdrift", { since: "2.4", check: one("drift (ppm)", ppm) }],
  ["maxclockerror", { since: "1.31", check: one("error (ppm)", ppm) }],
  ["corrtimeratio", { since: "1.31", check: one("ratio", decimal(0)) }],
  ["clockprecision", { since: "4.0", check: one("precision (seconds)", seconds) }],
  ["rtcsync", { since: "1.31", check: noArgs() }],
  ["rtcfile", { since: "1.31", check: one("path", path) }],
  ["rtcautotrim", { since: "1.31", check: one("threshold (seconds)", seconds) }],
  ["rtconutc", { since: "1.31", check: noArgs() }],
  ["rtcdevice", { since: "1.31", check: one("device", path) }],
  ["hwclockfile", { since: "1.31", check: one("path", path) }],
  ["driftfile", { since: "1.31", check: eitherOf(one("path", path), positional(["path", path], ["interval", oneOf(["interval"])], ["seconds", integer(1, 2 ** 31 - 1)])) }],
  ["fallbackdrift", { since: "1.31", check: positional(["min", integer(0, 30)], ["max", integer(0, 30)]) }],
  ["leapsectz", { since: "1.31", check: one("timezone", anyWord) }],
  ["leapseclist", { since: "4.6", check: one("path", path) }],
  ["leapsecmode", { since: "2.0", check: one("mode", oneOf(["system", "step", "slew", "ignore"])) }],
  ["smoothtime", { since: "2.0", check: eitherOf(positional(["max frequency (ppm)", ppm], ["max wander (ppm/s)", ppm]), positional(["max frequency (ppm)", ppm], ["max wander (ppm/s)", ppm], ["leaponly", oneOf(["leaponly"])])) }],
  ["local", { since: "1.31", check: withOptions([], localOptions) }],
  ["manual", { since: "1.31", check: noArgs() }],
  ["tempcomp", { since: "1.31", check: (args) => (args.length === 3 || args.length === 6 ? undefined : "takes 3 (sensor interval points-file) or 6 (sensor interval T0 k0 k1 k2) arguments") }],
  // Source selection
  ["minsources", { since: "2.0", check: one("count", integer(1, 64)) }],
  ["maxdistance", { since: "2.2", check: one("distance (seconds)", seconds) }],
  ["maxjitter", { since: "3.0", check: one("jitter (seconds)", seconds) }],
  ["combinelimit", { since: "1.31", check: one("limit", decimal(0)) }],
  ["reselectdist", { since: "1.31", check: one("distance (seconds)", seconds) }],
  ["stratumweight", { since: "1.31", check: one("weight (seconds)", seconds) }],
  ["minsamples", { since: "2.0", check: one("samples", integer(0, 64)) }],
  ["maxsamples", { since: "1.31", check: one("samples", integer(0, 64)) }],
  ["hwtimestamp", { since: "2.0", check: withOptions([["interface", anyWord]], hwtimestampOptions) }],
  ["hwtstimeout", { since: "4.4", check: one("timeout (seconds)", seconds) }],
  // Logging, state and files
  ["logdir", { since: "1.31", check: one("directory", path) }],
  ["log", { since: "1.31", check: logCheck }],
  ["logchange", { since: "1.31", check: one("threshold (seconds)", seconds) }],
  ["logbanner", { since: "1.31", check: one("lines", integer(0, 2 ** 31 - 1)) }],
  ["mailonchange", { since: "1.31", check: positional(["email", anyWord], ["threshold (seconds)", seconds]) }],
  ["dumpdir", { since: "1.31", check: one("directory", path) }],
  ["dumponexit", { since: "1.31", removed: { in: "3.0", instead: "chronyd ignores it and always dumps with dumpdir; remove the line" }, check: noArgs() }],
  ["pidfile", { since: "1.31", check: one("path", path) }],
  ["user", { since: "1.31", check: one("user", anyWord) }],
  ["lock_all", { since: "1.31", check: noArgs() }],
  ["sched_priority", { since: "1.31", check: one("priority", integer(0, 99)) }],
  ["include", { since: "1.31", check: one("glob", path) }],
  ["confdir", { since: "4.0", check: listOf("directory", path, 1, 10) }],
  ["linux_freq_scale", { since: "1.31", removed: { in: "1.31", instead: "chronyd no longer supports it; remove the line" }, check: (a) => (a.length === 1 ? undefined : "takes 1 argument") }],
  ["linux_hz", { since: "1.31", removed: { in: "1.31", instead: "chronyd no longer supports it; remove the line" }, check: (a) => (a.length === 1 ? undefined : "takes 1 argument") }],
]);

/** Directive names that hold time sources, kept in the managed `sourcedir` file when possible. */
export const SOURCE_DIRECTIVES: ReadonlySet<string> = new Set(["server", "pool", "peer"]);
