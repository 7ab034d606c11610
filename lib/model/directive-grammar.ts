import { ArgsCheck, eitherOf, listOf, noArgs, positional, withOptions } from "./arg-checks";
import { isAtLeast } from "./version";
import { RATE_LIMIT_FIELDS } from "./areas/binding";
import { LOCAL_FIELDS } from "./areas/clock";
import { HWTIMESTAMP_FIELDS, REFCLOCK_FIELDS } from "./areas/refclocks";
import { sourceCheck } from "./areas/sources";
import { optionSpecs } from "./prop-rows";
import { TokenCheck, TokenProblem, absolutePath, anyWord, decimal, integer, ipAddress, isProblem, keyId, oneOf, subnet } from "./tokens";

/** What the library knows about one directive of chrony.conf. */
export interface DirectiveSpec {
  /** The release that added it. */
  readonly since: string;
  /**
   * From this release chronyd still reads the line but ignores it (it logs "directive is no longer
   * supported", or nothing): accepted with a warning that names the modern replacement, so an old
   * configuration can be imported and cleaned up afterwards.
   */
  readonly obsolete?: { readonly in: string; readonly instead: string };
  /**
   * How many lines count: "once" when chronyd keeps only the last line (a host's line replaces the
   * profile's), "perFamily" for one line per address family (IPv4, IPv6, Unix socket), "many" when
   * every line adds something.
   */
  readonly repeat: "once" | "perFamily" | "many";
  /** Directives that set the same thing share a slot (rtcsync and rtcfile exclude each other). @default the name */
  readonly slot?: string;
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
  token.startsWith("/") || !isProblem(ipAddress(token)) ? token : new TokenProblem("an IP address, a Unix socket path, or / to disable the socket");

const rateLimit = withOptions([], optionSpecs(RATE_LIMIT_FIELDS));

const logNames = ["rawmeasurements", "measurements", "statistics", "tracking", "rtc", "refclocks", "tempcomp", "selection"];
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

/** The refclock drivers and the release that added each (chronyd compares the names case-sensitively). */
export const REFCLOCK_DRIVERS: Readonly<Record<string, string>> = { PPS: "1.31", SHM: "1.31", SOCK: "1.31", PHC: "1.31", RTC: "4.7" };

const refclockCheck: ArgsCheck = (args, version) => {
  const driver = args[0];
  const since = driver === undefined ? undefined : REFCLOCK_DRIVERS[driver];
  if (driver !== undefined && since === undefined) return `driver must be one of ${Object.keys(REFCLOCK_DRIVERS).join(", ")}, got '${driver}'`;
  if (since !== undefined && !isAtLeast(version, since)) return `driver ${driver} needs chrony ${since} or newer (this host runs ${version.text})`;
  return withOptions(
    [
      ["driver", anyWord],
      ["parameter", anyWord],
    ],
    optionSpecs(REFCLOCK_FIELDS),
  )(args, version);
};

/** `driftfile FILE [interval SECONDS]`; the interval came in 4.7. */
const driftfileCheck: ArgsCheck = (args, version) => {
  if (args.length === 1) return one("path", path)(args, version);
  if (args.length === 3 && args[1].toLowerCase() === "interval") {
    if (!isAtLeast(version, "4.7")) return `option interval needs chrony 4.7 or newer (this host runs ${version.text})`;
    return positional(["path", path], ["interval", anyWord], ["seconds", integer(1, 2 ** 31 - 1)])(args, version);
  }
  return `takes a path, then optionally 'interval SECONDS' (chrony 4.7 or newer), got '${args.join(" ")}'`;
};

/** Monitoring commands opencommands can open to cmdallow'ed hosts (chrony 4.7). */
export const OPEN_COMMANDS = [
  "activity",
  "authdata",
  "clients",
  "manual",
  "ntpdata",
  "rtcdata",
  "selectdata",
  "serverstats",
  "smoothing",
  "sourcename",
  "sources",
  "sourcestats",
  "tracking",
];

const COMMAND_KEY_REMOVED = {
  in: "2.2",
  instead:
    "command authentication was removed in chrony 2.2 and chronyd ignores the line; control command access with bindcmdaddress (loopback and the Unix socket by default), cmdallow/cmddeny, and the Unix socket's permissions, then remove the line",
};

/**
 * The directives of chrony.conf with the release that added each one (chrony's NEWS and conf.c
 * history; 1.31 stands for "before the oldest release we model").
 */
export const DIRECTIVES: ReadonlyMap<string, DirectiveSpec> = new Map<string, DirectiveSpec>([
  // Sources
  ["server", { since: "1.31", repeat: "many", check: sourceCheck("server") }],
  ["pool", { since: "2.0", repeat: "many", check: sourceCheck("pool") }],
  ["peer", { since: "1.31", repeat: "many", check: sourceCheck("peer") }],
  ["refclock", { since: "1.31", repeat: "many", check: refclockCheck }],
  [
    "initstepslew",
    {
      since: "1.31",
      repeat: "once",
      check: (args) => (args.length < 1 || isProblem(decimal(0)(args[0])) ? "takes a threshold in seconds and then the servers" : undefined),
    },
  ],
  [
    "broadcast",
    {
      since: "1.31",
      repeat: "many",
      check: eitherOf(
        positional(["interval", integer(1, 2 ** 31 - 1)], ["address", ipAddress]),
        positional(["interval", integer(1, 2 ** 31 - 1)], ["address", ipAddress], ["port", port]),
      ),
    },
  ],
  ["sourcedir", { since: "4.0", repeat: "many", check: listOf("directory", path, 1, 10) }],
  // Access and binding
  ["allow", { since: "1.31", repeat: "many", check: accessRule }],
  ["deny", { since: "1.31", repeat: "many", check: accessRule }],
  ["cmdallow", { since: "1.31", repeat: "many", check: accessRule }],
  ["cmddeny", { since: "1.31", repeat: "many", check: accessRule }],
  ["bindaddress", { since: "1.31", repeat: "perFamily", check: one("address", ipAddress) }],
  ["bindacqaddress", { since: "1.31", repeat: "perFamily", check: one("address", ipAddress) }],
  ["bindcmdaddress", { since: "1.31", repeat: "perFamily", check: one("address", cmdAddress) }],
  ["binddevice", { since: "4.0", repeat: "once", check: one("interface", anyWord) }],
  ["bindacqdevice", { since: "4.0", repeat: "once", check: one("interface", anyWord) }],
  ["bindcmddevice", { since: "4.0", repeat: "once", check: one("interface", anyWord) }],
  ["port", { since: "1.31", repeat: "once", check: one("port", port) }],
  ["cmdport", { since: "1.31", repeat: "once", check: one("port", port) }],
  ["acquisitionport", { since: "1.31", repeat: "once", check: one("port", port) }],
  ["ptpport", { since: "4.2", repeat: "once", check: one("port", port) }],
  ["ptpdomain", { since: "4.6", repeat: "once", check: one("domain", integer(0, 255)) }],
  ["ratelimit", { since: "2.3", repeat: "once", check: rateLimit }],
  ["cmdratelimit", { since: "2.3", repeat: "once", check: rateLimit }],
  ["ntsratelimit", { since: "4.0", repeat: "once", check: rateLimit }],
  ["clientloglimit", { since: "1.31", repeat: "once", check: one("bytes", integer(0, 2 ** 32 - 1)) }],
  ["noclientlog", { since: "1.31", repeat: "once", check: noArgs() }],
  ["opencommands", { since: "4.7", repeat: "once", check: listOf("command", oneOf(OPEN_COMMANDS), 0) }],
  ["dscp", { since: "4.0", repeat: "once", check: one("value", integer(0, 63)) }],
  // Authentication and NTS
  ["keyfile", { since: "1.31", repeat: "once", check: one("path", path) }],
  ["authselectmode", { since: "4.0", repeat: "once", check: one("mode", oneOf(["require", "prefer", "mix", "ignore"])) }],
  ["commandkey", { since: "1.31", repeat: "many", obsolete: COMMAND_KEY_REMOVED, check: one("key ID", keyId) }],
  ["generatecommandkey", { since: "1.31", repeat: "many", obsolete: COMMAND_KEY_REMOVED, check: noArgs() }],
  ["ntsserverkey", { since: "4.0", repeat: "many", check: one("path", path) }],
  ["ntsservercert", { since: "4.0", repeat: "many", check: one("path", path) }],
  ["ntsdumpdir", { since: "4.0", repeat: "once", check: one("directory", path) }],
  [
    "ntscachedir",
    {
      since: "4.0",
      repeat: "once",
      slot: "ntsdumpdir",
      obsolete: { in: "4.0", instead: "it is the old name of ntsdumpdir, which chronyd reads the same way: write ntsdumpdir" },
      check: one("directory", path),
    },
  ],
  ["ntsport", { since: "4.0", repeat: "once", check: one("port", port) }],
  ["ntsprocesses", { since: "4.0", repeat: "once", check: one("count", integer(0, 1000)) }],
  ["maxntsconnections", { since: "4.0", repeat: "once", check: one("count", integer(1, 2 ** 31 - 1)) }],
  ["ntsntpserver", { since: "4.0", repeat: "once", check: one("hostname", anyWord) }],
  ["ntsrotate", { since: "4.0", repeat: "once", check: one("seconds", integer(0, 2 ** 31 - 1)) }],
  ["ntsrefresh", { since: "4.0", repeat: "once", check: one("seconds", integer(0, 2 ** 31 - 1)) }],
  [
    "ntstrustedcerts",
    { since: "4.0", repeat: "many", check: eitherOf(one("path", path), positional(["set ID", integer(0, 2 ** 32 - 1)], ["path", path])) },
  ],
  ["nosystemcert", { since: "4.0", repeat: "once", check: noArgs() }],
  ["nocerttimecheck", { since: "4.0", repeat: "once", check: one("updates", integer(0, 2 ** 31 - 1)) }],
  ["ntsaeads", { since: "4.6.1", repeat: "once", check: listOf("AEAD ID", integer(1, 65535)) }],
  ["ntpsigndsocket", { since: "3.0", repeat: "once", check: one("path", path) }],
  // Clock discipline
  [
    "makestep",
    {
      since: "1.31",
      repeat: "once",
      check: positional(["threshold (seconds)", seconds], ["limit (updates, negative = unlimited)", integer(-(2 ** 31), 2 ** 31 - 1)]),
    },
  ],
  ["maxupdateskew", { since: "1.31", repeat: "once", check: one("skew (ppm)", ppm) }],
  [
    "maxchange",
    {
      since: "1.31",
      repeat: "once",
      check: positional(["offset (seconds)", seconds], ["start (updates)", integer(0, 2 ** 31 - 1)], ["ignore (updates)", integer(-1, 2 ** 31 - 1)]),
    },
  ],
  ["maxslewrate", { since: "1.31", repeat: "once", check: one("rate (ppm)", ppm) }],
  ["maxdrift", { since: "2.4", repeat: "once", check: one("drift (ppm)", ppm) }],
  ["maxclockerror", { since: "1.31", repeat: "once", check: one("error (ppm)", ppm) }],
  ["corrtimeratio", { since: "1.31", repeat: "once", check: one("ratio", decimal(0)) }],
  ["clockprecision", { since: "4.0", repeat: "once", check: one("precision (seconds)", seconds) }],
  ["rtcsync", { since: "1.31", repeat: "once", slot: "rtcsync|rtcfile", check: noArgs() }],
  ["rtcfile", { since: "1.31", repeat: "once", slot: "rtcsync|rtcfile", check: one("path", path) }],
  ["rtcautotrim", { since: "1.31", repeat: "once", check: one("threshold (seconds)", seconds) }],
  ["rtconutc", { since: "1.31", repeat: "once", check: noArgs() }],
  ["rtcdevice", { since: "1.31", repeat: "once", check: one("device", path) }],
  ["hwclockfile", { since: "1.31", repeat: "once", check: one("path", path) }],
  ["driftfile", { since: "1.31", repeat: "once", check: driftfileCheck }],
  ["fallbackdrift", { since: "1.31", repeat: "once", check: positional(["min", integer(0, 30)], ["max", integer(0, 30)]) }],
  ["leapsectz", { since: "1.31", repeat: "once", check: one("timezone", anyWord) }],
  ["leapseclist", { since: "4.6", repeat: "once", check: one("path", path) }],
  ["leapsecmode", { since: "2.0", repeat: "once", check: one("mode", oneOf(["system", "step", "slew", "ignore"])) }],
  [
    "smoothtime",
    {
      since: "2.0",
      repeat: "once",
      check: eitherOf(
        positional(["max frequency (ppm)", ppm], ["max wander (ppm/s)", ppm]),
        positional(["max frequency (ppm)", ppm], ["max wander (ppm/s)", ppm], ["leaponly", oneOf(["leaponly"])]),
      ),
    },
  ],
  ["local", { since: "1.31", repeat: "once", check: withOptions([], optionSpecs(LOCAL_FIELDS)) }],
  ["manual", { since: "1.31", repeat: "once", check: noArgs() }],
  [
    "tempcomp",
    {
      since: "1.31",
      repeat: "once",
      check: (args) =>
        args.length === 3 || args.length === 6 ? undefined : "takes 3 (sensor interval points-file) or 6 (sensor interval T0 k0 k1 k2) arguments",
    },
  ],
  // Source selection
  ["minsources", { since: "2.0", repeat: "once", check: one("count", integer(1, 64)) }],
  ["maxdistance", { since: "2.2", repeat: "once", check: one("distance (seconds)", seconds) }],
  ["maxjitter", { since: "3.0", repeat: "once", check: one("jitter (seconds)", seconds) }],
  ["combinelimit", { since: "1.31", repeat: "once", check: one("limit", decimal(0)) }],
  ["reselectdist", { since: "1.31", repeat: "once", check: one("distance (seconds)", seconds) }],
  ["stratumweight", { since: "1.31", repeat: "once", check: one("weight (seconds)", seconds) }],
  ["minsamples", { since: "1.31", repeat: "once", check: one("samples", integer(0, 64)) }],
  ["maxsamples", { since: "1.31", repeat: "once", check: one("samples", integer(0, 64)) }],
  ["hwtimestamp", { since: "3.0", repeat: "many", check: withOptions([["interface", anyWord]], optionSpecs(HWTIMESTAMP_FIELDS)) }],
  ["hwtstimeout", { since: "4.4", repeat: "once", check: one("timeout (seconds)", seconds) }],
  ["refresh", { since: "4.4", repeat: "once", check: one("interval (seconds)", integer(0, 2 ** 31 - 1)) }],
  // Logging, state and files
  ["logdir", { since: "1.31", repeat: "once", check: one("directory", path) }],
  ["log", { since: "1.31", repeat: "many", check: logCheck }],
  ["logchange", { since: "1.31", repeat: "once", check: one("threshold (seconds)", seconds) }],
  ["logbanner", { since: "1.31", repeat: "once", check: one("lines", integer(0, 2 ** 31 - 1)) }],
  ["mailonchange", { since: "1.31", repeat: "once", check: positional(["email", anyWord], ["threshold (seconds)", seconds]) }],
  ["dumpdir", { since: "1.31", repeat: "once", check: one("directory", path) }],
  [
    "dumponexit",
    {
      since: "1.31",
      repeat: "many",
      obsolete: { in: "1.31", instead: "chronyd ignores it (it dumps on exit whenever dumpdir is set): remove the line" },
      check: noArgs(),
    },
  ],
  ["pidfile", { since: "1.31", repeat: "once", check: one("path", path) }],
  ["user", { since: "1.31", repeat: "once", check: one("user", anyWord) }],
  ["lock_all", { since: "1.31", repeat: "once", check: noArgs() }],
  ["sched_priority", { since: "1.31", repeat: "once", check: one("priority", integer(0, 99)) }],
  ["include", { since: "1.31", repeat: "many", check: one("glob", path) }],
  ["confdir", { since: "4.0", repeat: "many", check: listOf("directory", path, 1, 10) }],
  [
    "linux_freq_scale",
    {
      since: "1.31",
      repeat: "many",
      obsolete: { in: "1.31", instead: "chronyd ignores it (the kernel's tick rate and frequency scale are detected): remove the line" },
      check: (a) => (a.length === 1 ? undefined : "takes 1 argument"),
    },
  ],
  [
    "linux_hz",
    {
      since: "1.31",
      repeat: "many",
      obsolete: { in: "1.31", instead: "chronyd ignores it (the kernel's tick rate and frequency scale are detected): remove the line" },
      check: (a) => (a.length === 1 ? undefined : "takes 1 argument"),
    },
  ],
]);

/** Directive names that hold time sources, kept in the managed `sourcedir` file when possible. */
export const SOURCE_DIRECTIVES: ReadonlySet<string> = new Set(["server", "pool", "peer"]);
