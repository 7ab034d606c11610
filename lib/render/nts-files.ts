import * as path from "node:path";
import type { HostProfile } from "../model/profiles/host-profile";

/**
 * Where a host keeps the NTS files cdktf-chrony manages: a folder `nts` beside the sourcedir
 * (/etc/chrony/nts on Debian and RHEL), with fixed names, so a renewed certificate or a changed CA
 * replaces a file rather than leaving an old one behind. The folder is created 0755 (chronyd reads
 * it after dropping root); the key is 0640 with the keys file's owner and group.
 */
export interface NtsPaths {
  readonly dir: string;
  /** The server's certificate chain (ntsservercert). */
  readonly serverCert: string;
  /** The server's private key (ntsserverkey). */
  readonly serverKey: string;
  /** The CAs a client trusts for the app's NTS servers (ntstrustedcerts). */
  readonly trustedCas: string;
}

export function ntsPaths(profile: Pick<HostProfile, "sourceDir">): NtsPaths {
  const dir = path.posix.join(path.posix.dirname(profile.sourceDir), "nts");
  return {
    dir,
    serverCert: path.posix.join(dir, "server.crt"),
    serverKey: path.posix.join(dir, "server.key"),
    trustedCas: path.posix.join(dir, "trusted-cas.pem"),
  };
}
