import { HostKeyPolicySpec } from "../lib/manifest";
import { ConfigError } from "../lib/model/config-error";
import { hasControlCharacters } from "../lib/model/directive";

/** How `cdktf-chrony apply` checks a host's SSH key. Unknown or changed keys are refused. */
export class HostKeyPolicy {
  /**
   * Check against an OpenSSH known_hosts file (`~/` is the home folder of whoever deploys; a relative
   * path is in the project folder), read together with the system-wide /etc/ssh/ssh_known_hosts as
   * OpenSSH does. Host certificates (`@cert-authority`) are not supported: list the host's own key.
   * @param file @default "~/.ssh/known_hosts"
   * @param options.trustOnFirstUse accept and record an unknown host's key (a changed key is still refused). @default false
   */
  public static knownHosts(file = "~/.ssh/known_hosts", options: { trustOnFirstUse?: boolean } = {}): HostKeyPolicySpec {
    if (typeof file !== "string" || file === "" || hasControlCharacters(file)) {
      throw new ConfigError(`invalid known_hosts path ${JSON.stringify(file)}: give a file path without control characters`);
    }
    return { kind: "knownHosts", path: file, trustOnFirstUse: options.trustOnFirstUse ?? false };
  }

  /** Pin the key's fingerprint as `ssh-keygen -lf` prints it ("SHA256:..."). */
  public static fingerprint(sha256: string): HostKeyPolicySpec {
    if (!/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(sha256)) {
      throw new ConfigError(
        `invalid host key fingerprint '${sha256}': use the SHA256:... form that 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' prints`,
      );
    }
    return { kind: "fingerprint", sha256 };
  }
}
