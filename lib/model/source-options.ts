import { TokenCheck, decimal, integer, keyId, oneOf } from "./tokens";

export type SourceKind = "server" | "pool" | "peer";

/** One option of server/pool/peer lines, with the grammar chrony 4.x reads and the documented range. */
export interface SourceOptionSpec {
  readonly name: string;
  /** Absent for flags such as `iburst`. */
  readonly value?: TokenCheck<unknown>;
  /** The release that added the option. */
  readonly since: string;
  /** Kinds the option is documented as invalid for. */
  readonly notFor?: readonly SourceKind[];
  /** Why it is invalid there, for the error message. */
  readonly notForReason?: string;
}

const POLL = integer(-7, 24);
const PEER_NO = "a symmetric peer does not use it (chrony.conf(5), peer directive)";

const SPECS: readonly SourceOptionSpec[] = [
  { name: "minpoll", value: POLL, since: "1.31" },
  { name: "maxpoll", value: POLL, since: "1.31" },
  { name: "iburst", since: "1.31", notFor: ["peer"], notForReason: PEER_NO },
  { name: "burst", since: "3.3", notFor: ["peer"], notForReason: PEER_NO },
  { name: "key", value: keyId, since: "1.31" },
  { name: "nts", since: "4.0", notFor: ["peer"], notForReason: "NTS works only in client/server mode" },
  { name: "certset", value: integer(0, 2 ** 32 - 1), since: "4.1" },
  { name: "maxdelay", value: decimal(0, 1000), since: "1.31" },
  { name: "maxdelayratio", value: decimal(1), since: "1.31" },
  { name: "maxdelaydevratio", value: decimal(0), since: "1.31" },
  { name: "maxdelayquant", value: decimal(0.05, 0.95), since: "4.3" },
  { name: "mindelay", value: decimal(0), since: "3.2" },
  { name: "asymmetry", value: decimal(-0.5, 0.5), since: "3.2" },
  { name: "offset", value: decimal(), since: "3.0" },
  { name: "minsamples", value: integer(0, 64), since: "2.0" },
  { name: "maxsamples", value: integer(0, 64), since: "2.0" },
  { name: "filter", value: integer(1, 256), since: "3.4" },
  { name: "offline", since: "1.31" },
  { name: "auto_offline", since: "1.31" },
  { name: "prefer", since: "1.31" },
  { name: "noselect", since: "1.31" },
  { name: "trust", since: "2.3" },
  { name: "require", since: "2.3" },
  { name: "xleave", since: "3.0" },
  { name: "polltarget", value: integer(6, 60), since: "1.31" },
  { name: "port", value: integer(1, 65535), since: "1.31" },
  { name: "ntsport", value: integer(1, 65535), since: "4.0", notFor: ["peer"], notForReason: "NTS works only in client/server mode" },
  { name: "presend", value: POLL, since: "1.31", notFor: ["peer"], notForReason: PEER_NO },
  { name: "minstratum", value: integer(0, 15), since: "1.31" },
  { name: "version", value: integer(1, 4), since: "1.31" },
  { name: "copy", since: "4.1", notFor: ["peer"], notForReason: PEER_NO },
  { name: "extfield", value: oneOf(["F323"]), since: "4.2" },
  { name: "maxsources", value: integer(1, 16), since: "2.0", notFor: ["server", "peer"], notForReason: "it selects how many addresses of a pool to use" },
  { name: "ipv4", since: "4.6" },
  { name: "ipv6", since: "4.6" },
  { name: "maxunreach", value: integer(0, 2 ** 31 - 1), since: "4.8" },
];

export const SOURCE_OPTIONS: ReadonlyMap<string, SourceOptionSpec> = new Map(SPECS.map((s) => [s.name, s]));

