import { ConfigError } from "../lib/model/config-error";
import * as os from "node:os";
import * as path from "node:path";
import { HostKeyPolicySpec } from "../lib/deploy/manifest";

/** How `cdktf-chrony apply` checks a host's SSH key. Unknown or changed keys are refused. */
export class HostKeyPolicy {
  /**
   * Check against an OpenSSH known_hosts file.
   * @param file @default "~/.ssh/known_hosts"
   * @param options.trustOnFirstUse accept and record an unknown host's key (a changed key is still refused). @default false
   */
  public static knownHosts(file = "~/.ssh/known_hosts", options: { trustOnFirstUse?: boolean } = {}): HostKeyPolicySpec {
    const expanded = file.startsWith("~/") ? path.join(os.homedir(), file.slice(2)) : path.resolve(file);
    return { kind: "knownHosts", path: expanded, trustOnFirstUse: options.trustOnFirstUse ?? false };
  }

  /** Pin the key's fingerprint as `ssh-keygen -lf` prints it ("SHA256:..."). */
  public static fingerprint(sha256: string): HostKeyPolicySpec {
    if (!/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(sha256)) {
      throw new ConfigError(`invalid host key fingerprint '${sha256}': use the SHA256:... form that 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' prints`);
    }
    return { kind: "fingerprint", sha256 };
  }
}
