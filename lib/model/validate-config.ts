import { isIP } from "node:net";
import { ChronyConfig } from "./chrony-config";
import { ConfigError } from "./config-error";
import { directiveLine } from "./directive";
import { HostProfile } from "./profiles/host-profile";
import { ComposedConf, composeConf } from "./profiles/compose-conf";
import { sourceKeyId } from "./areas/sources";

export interface ConfigCheck {
  /** Advice that does not stop synth: shown as construct warnings and in the plan. */
  readonly warnings: string[];
  /** chrony.conf's lines, the profile's merged with the host's. */
  readonly composed: ComposedConf;
}

function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1" || address.startsWith("/");
}

/** Prefix length of a cmdallow subnet; undefined for a hostname or a single address. */
function prefixBits(subnet: string | undefined): number {
  if (subnet === undefined) return 0;
  const [net, bits] = subnet.split("/");
  if (bits !== undefined) return Number(bits);
  if (isIP(net)) return isIP(net) === 6 ? 128 : 32;
  if (/^\d{1,3}(\.\d{1,3}){0,2}$/.test(net)) return net.split(".").length * 8;
  return 32;
}

/**
 * Checks across lines of one host: lines that set the same thing (see composeConf), sources, keys
 * the host must hold, and command access that is wider than intended.
 */
export function checkHostConfig(config: ChronyConfig, profile: HostProfile, heldKeyIds: ReadonlySet<number>, hostName: string): ConfigCheck {
  const warnings: string[] = config.warnings.map((w) => `host ${hostName}: ${w}`);
  const composed = composeConf(config, profile, { heldKeyIds, hostName });
  const all = [...composed.base, ...composed.host];

  const addresses = new Map<string, string>();
  for (const s of config.sources) {
    const address = s.args[0].toLowerCase();
    const other = addresses.get(address);
    if (other) throw new ConfigError(`host ${hostName}: '${other}' and '${directiveLine(s)}' name the same source ${s.args[0]}: keep one`);
    addresses.set(address, directiveLine(s));
    const keyId = sourceKeyId(s);
    if (keyId !== undefined && !heldKeyIds.has(keyId)) {
      throw new ConfigError(
        `host ${hostName}: '${directiveLine(s)}' uses key ${keyId}, which the host does not hold: add that NtpKey to the host's keys, or use an NtpKey object in the source so it is distributed`,
      );
    }
  }

  const cmdAllows = config.directives.filter((d) => d.name.toLowerCase() === "cmdallow");
  if (cmdAllows.length > 0) {
    const cmdBinds = all.filter((d) => d.name.toLowerCase() === "bindcmdaddress").map((d) => d.args[0]);
    const remote = cmdBinds.filter((a) => !isLoopback(a));
    const remoteRules = cmdAllows.filter((d) => {
      const subnet = d.args.find((a) => a.toLowerCase() !== "all");
      return subnet === undefined || !isLoopback(subnet);
    });
    if (remote.length === 0 && remoteRules.length > 0) {
      warnings.push(
        `host ${hostName}: '${directiveLine(remoteRules[0])}' has no effect while chronyd's command port listens on loopback only: add a non-loopback address to bindCmdAddresses (e.g. "0.0.0.0") for remote monitoring`,
      );
    }
    for (const d of cmdAllows) {
      const subnet = d.args.find((a) => a.toLowerCase() !== "all");
      const bits = prefixBits(subnet);
      const v6 = subnet !== undefined && subnet.includes(":");
      if (bits < (v6 ? 48 : 16)) {
        warnings.push(
          `host ${hostName}: '${directiveLine(d)}' lets ${subnet === undefined ? "every address" : `all of ${subnet}`} query chronyd's monitoring commands: narrow it to your monitoring hosts`,
        );
      }
    }
  }
  return { warnings, composed };
}
