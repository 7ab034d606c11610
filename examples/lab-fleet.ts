import * as fs from "node:fs";
import * as path from "node:path";
import { HostKeyPolicy, HostProfiles } from "../constructs";
import type { ChronyHostProps, HostProfile } from "../constructs";

/**
 * The test lab (test/support/lab): stock-layout hosts in network namespaces, reachable only through
 * a bastion, logged into as a non-root user with sudo. CDKTF_CHRONY_LAB names its folder.
 */
interface LabFile {
  readonly dir: string;
  readonly deployUser: string;
  readonly service: HostProfile["service"];
  readonly hostsNet: string;
  readonly controller: { readonly address: string; readonly privateKeyPath: string; readonly knownHostsPath: string };
  readonly bastion: { readonly address: string; readonly innerAddress: string; readonly user: string };
  readonly hosts: ReadonlyArray<{ readonly id: string; readonly layout: "debian" | "rhel"; readonly address: string }>;
}

export interface LabPlacement {
  readonly dir: string;
  /** The hosts' subnet, for allow. */
  readonly subnet: string;
  /** An address inside the lab for cmdallow (the bastion's inner side). */
  readonly monitoring: string;
  /** The controller's network (/24), for cmdallow where the lab routes UDP from the controller to the hosts. */
  readonly controllerNet: string;
  readonly hosts: ReadonlyArray<Pick<ChronyHostProps, "target" | "profile" | "ntpAddress">>;
}

/** The lab named by CDKTF_CHRONY_LAB, or undefined when the app targets something else. */
export function labTargets(): LabPlacement | undefined {
  const dir = process.env.CDKTF_CHRONY_LAB;
  if (!dir) return undefined;
  const file = path.join(path.resolve(dir), "lab.json");
  if (!fs.existsSync(file)) throw new Error(`CDKTF_CHRONY_LAB=${dir} holds no lab.json: start the lab first (node dist/test/support/lab/cli.js up)`);
  const lab = JSON.parse(fs.readFileSync(file, "utf8")) as LabFile;
  return {
    dir: lab.dir,
    subnet: lab.hostsNet,
    monitoring: lab.bastion.innerAddress,
    controllerNet: `${lab.controller.address.replace(/\.\d+$/, ".0")}/24`,
    hosts: lab.hosts.map((h) => ({
      target: {
        address: h.address,
        user: lab.deployUser,
        privateKeyPath: lab.controller.privateKeyPath,
        hostKey: HostKeyPolicy.knownHosts(lab.controller.knownHostsPath),
        // The bastion's key is in the controller's /etc/ssh/ssh_known_hosts, read as OpenSSH does.
        jump: { address: lab.bastion.address, user: lab.bastion.user },
      },
      // The stock profiles, but for the service commands: the lab has no systemd.
      profile: { ...(h.layout === "rhel" ? HostProfiles.rhel() : HostProfiles.debian()), service: lab.service },
      ntpAddress: h.address,
    })),
  };
}
