import { directive } from "../directive";
import { PropRow, customRow, flagRow, numberRow, readInteger, wordRow } from "../prop-rows";
import { RateLimit, rateLimitRow } from "./binding";

export interface NtsServerKeyPair {
  /** `ntsserverkey`: the server's private key (PEM). */
  readonly keyFile: string;
  /** `ntsservercert`: its certificate chain (PEM). */
  readonly certFile: string;
}

export interface NtsTrustedCerts {
  /** A PEM file or a folder of them. */
  readonly path: string;
  /** The certificate set (a source's `certset` option picks it). @default 0 (the set that also holds the system CAs) */
  readonly certSet?: number;
}

/** Network Time Security, as a server and as a client. */
export interface NtsProps {
  /** `ntsserverkey` and `ntsservercert` pairs that make this host an NTS server. @default - not an NTS server */
  readonly ntsServerKeys?: readonly NtsServerKeyPair[];
  /** `ntsport`: the NTS-KE port of this server. @default 4460 */
  readonly ntsPort?: number;
  /** `ntsprocesses`: NTS-KE helper processes. @default 1 */
  readonly ntsProcesses?: number;
  /** `maxntsconnections`: concurrent NTS-KE connections per process. @default 100 */
  readonly maxNtsConnections?: number;
  /** `ntsntpserver`: the hostname or address given to NTS clients for NTP. @default - this server */
  readonly ntsNtpServer?: string;
  /** `ntsrotate`: server key rotation interval; 0 when keys are managed externally. @default 604800 */
  readonly ntsRotateSeconds?: number;
  /** `ntsratelimit`: limit the rate of NTS-KE responses to each client. @default - no rate limiting */
  readonly ntsRateLimit?: RateLimit;
  /** `ntsdumpdir`: where server keys and client cookies are kept across restarts (`ntscachedir` is its old name). @default - the profile's (Debian and RHEL: /var/lib/chrony) */
  readonly ntsDumpDir?: string;
  /** `ntsrefresh`: how often an NTS client renews its keys. @default 2419200 */
  readonly ntsRefreshSeconds?: number;
  /** `ntstrustedcerts`: certificates trusted for NTS servers besides the system CAs. @default - system CAs only */
  readonly ntsTrustedCerts?: readonly NtsTrustedCerts[];
  /** `nosystemcert`: do not trust the system CAs for NTS. @default false */
  readonly noSystemCert?: boolean;
  /**
   * `nocerttimecheck`: skip the check of certificates' validity times during the first this many
   * clock updates (for hosts that boot without an RTC; a security trade-off). @default 0 (always check)
   */
  readonly noCertTimeCheck?: number;
  /** `ntsaeads`: AEAD algorithm IDs offered in NTS-KE, in order (chrony ≥ 4.6.1). @default - chrony's order */
  readonly ntsAeads?: readonly number[];
  /** `ntpsigndsocket`: sign responses through Samba's ntp_signd socket folder (MS-SNTP). @default - none */
  readonly ntpSignDSocket?: string;
}

export const NTS_ROWS: readonly PropRow[] = [
  customRow(
    "ntsServerKeys",
    ["ntsserverkey", "ntsservercert"],
    (pair: NtsServerKeyPair) => [directive("ntsserverkey", pair.keyFile), directive("ntsservercert", pair.certFile)],
    // The importer pairs ntsserverkey and ntsservercert lines in order, as chronyd does.
    (args, name) => (args.length === 1 ? { [name === "ntsserverkey" ? "keyFile" : "certFile"]: args[0] } : undefined),
    { list: true },
  ),
  numberRow("ntsPort", "ntsport", { integer: true }),
  numberRow("ntsProcesses", "ntsprocesses", { integer: true }),
  numberRow("maxNtsConnections", "maxntsconnections", { integer: true }),
  wordRow("ntsNtpServer", "ntsntpserver"),
  numberRow("ntsRotateSeconds", "ntsrotate", { integer: true }),
  rateLimitRow("ntsRateLimit", "ntsratelimit"),
  customRow(
    "ntsDumpDir",
    ["ntsdumpdir", "ntscachedir"],
    (dir: string) => [directive("ntsdumpdir", dir)],
    (args) => (args.length === 1 ? args[0] : undefined),
  ),
  numberRow("ntsRefreshSeconds", "ntsrefresh", { integer: true }),
  customRow(
    "ntsTrustedCerts",
    ["ntstrustedcerts"],
    (t: NtsTrustedCerts) => [t.certSet !== undefined ? directive("ntstrustedcerts", t.certSet, t.path) : directive("ntstrustedcerts", t.path)],
    (args) => {
      if (args.length === 1) return { path: args[0] };
      const certSet = readInteger(args[0]);
      return args.length === 2 && certSet !== undefined ? { certSet, path: args[1] } : undefined;
    },
    { list: true },
  ),
  flagRow("noSystemCert", "nosystemcert"),
  numberRow("noCertTimeCheck", "nocerttimecheck", { integer: true }),
  customRow(
    "ntsAeads",
    ["ntsaeads"],
    (ids: readonly number[]) => [directive("ntsaeads", ...ids)],
    (args) => {
      const ids = args.map(readInteger);
      return ids.every((n) => n !== undefined) ? ids : undefined;
    },
  ),
  wordRow("ntpSignDSocket", "ntpsigndsocket"),
];
