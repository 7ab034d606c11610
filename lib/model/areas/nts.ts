import { Directive, directive } from "../directive";

export interface NtsServerKeyPair {
  readonly keyFile: string;
  readonly certFile: string;
}

export interface NtsTrustedCerts {
  /** A PEM file or a folder of them. */
  readonly path: string;
  /** @default 0 (the set that also holds the system CAs) */
  readonly certSet?: number;
}

export interface NtsProps {
  /** Key and certificate pairs that make this host an NTS server. @default - not an NTS server */
  readonly ntsServerKeys?: readonly NtsServerKeyPair[];
  /** NTS-KE port. @default 4460 */
  readonly ntsPort?: number;
  /** @default 1 */
  readonly ntsProcesses?: number;
  /** @default 100 */
  readonly maxNtsConnections?: number;
  /** Hostname or address given to NTS clients for NTP. @default - this server */
  readonly ntsNtpServer?: string;
  /** Server key rotation; 0 when keys are managed externally. @default 604800 */
  readonly ntsRotateSeconds?: number;
  /** @default - system CAs only */
  readonly ntsTrustedCerts?: readonly NtsTrustedCerts[];
  /** @default false */
  readonly noSystemCert?: boolean;
  /** @default - certificate times checked */
  readonly noCertTimeCheck?: number;
}

export function ntsDirectives(props: NtsProps): Directive[] {
  const out: Directive[] = [];
  for (const pair of props.ntsServerKeys ?? []) {
    out.push(directive("ntsserverkey", pair.keyFile), directive("ntsservercert", pair.certFile));
  }
  if (props.ntsPort !== undefined) out.push(directive("ntsport", props.ntsPort));
  if (props.ntsProcesses !== undefined) out.push(directive("ntsprocesses", props.ntsProcesses));
  if (props.maxNtsConnections !== undefined) out.push(directive("maxntsconnections", props.maxNtsConnections));
  if (props.ntsNtpServer !== undefined) out.push(directive("ntsntpserver", props.ntsNtpServer));
  if (props.ntsRotateSeconds !== undefined) out.push(directive("ntsrotate", props.ntsRotateSeconds));
  for (const t of props.ntsTrustedCerts ?? []) {
    out.push(t.certSet !== undefined ? directive("ntstrustedcerts", t.certSet, t.path) : directive("ntstrustedcerts", t.path));
  }
  if (props.noSystemCert) out.push(directive("nosystemcert"));
  if (props.noCertTimeCheck !== undefined) out.push(directive("nocerttimecheck", props.noCertTimeCheck));
  return out;
}
