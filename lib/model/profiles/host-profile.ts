import { Directive } from "../directive";

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
  readonly name: string;
  readonly confPath: string;
  readonly keysPath: string;
  /** The folder chronyd reads `*.sources` from; our sources file lives here. */
  readonly sourceDir: string;
  /** File name of the managed sources file inside `sourceDir`. */
  readonly sourcesFileName: string;
  readonly keysOwner: string;
  readonly keysGroup: string;
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

/** Brand check on plain data: a profile read back from a manifest is not a class instance. */
export function isHostProfile(x: unknown): x is HostProfile {
  const p = x as Partial<HostProfile> | null;
  return (
    typeof p === "object" &&
    p !== null &&
    typeof p.name === "string" &&
    typeof p.confPath === "string" &&
    typeof p.keysPath === "string" &&
    Array.isArray(p.chronyc) &&
    typeof p.service === "object"
  );
}
