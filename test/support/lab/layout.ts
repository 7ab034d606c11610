import * as path from "node:path";
import type { ServiceCommands } from "../../../lib/model/profiles/host-profile";

/**
 * The lab: stock-layout hosts, each in its own network, mount and UTS namespaces, reachable from
 * the controller only through a bastion.
 *
 *   controller netns  198.18.0.1 ──veth── 198.18.0.2  bastion netns  198.19.0.1 ──┐
 *   (cdktf deploy, drift, verify run here)              (sshd: user jump,          │ bridge br0 in
 *                                                        forwarding to :22 only)   │ the switch netns
 *                                       host netns 198.19.0.11, .12, ... ──────────┘
 *
 * Every name the lab creates starts with its prefix, so `labDown(prefix)` can find and remove
 * everything, also after a crash and without any state file. Addresses are in 198.18.0.0/15 (the
 * RFC 2544 benchmarking range), never on an interface of the root namespace.
 */

/** Which distribution's file layout a host has. */
export type LabLayout = "debian" | "rhel";

export interface LabHostSpec {
  /** Host name, also the bridge port name in the switch namespace (at most 15 characters). */
  readonly id: string;
  readonly layout: LabLayout;
}

export interface LabHost extends LabHostSpec {
  readonly address: string;
  readonly netns: string;
  /** Where the host's files live on the machine (its /etc overlay, /home, /var/log, /var/lib/chrony). */
  readonly dir: string;
  /** `ssh-ed25519 AAAA...` */
  readonly hostKey: string;
}

/**
 * A lab's addresses for network N (0 to 255): 198.18.N.0/24 between the controller and the
 * bastion, 198.19.N.0/24 for the bastion's inner side and the hosts (198.19.N.11, .12, ...). Two
 * labs that run at once take two networks (and two prefixes).
 */
export interface LabNetwork {
  readonly controller: string;
  readonly bastion: string;
  readonly controllerNet: string;
  readonly bastionInner: string;
  readonly hostsNet: string;
  hostAddress(index: number): string;
}

export function labNetwork(n = 0): LabNetwork {
  if (!Number.isInteger(n) || n < 0 || n > 255) throw new Error(`lab network ${n}: use 0 to 255 (198.18.N.0/24 and 198.19.N.0/24)`);
  return {
    controller: `198.18.${n}.1`,
    bastion: `198.18.${n}.2`,
    controllerNet: `198.18.${n}.0/24`,
    bastionInner: `198.19.${n}.1`,
    hostsNet: `198.19.${n}.0/24`,
    hostAddress: (index) => `198.19.${n}.${11 + index}`,
  };
}

export const CONTROLLER_ADDRESS = labNetwork(0).controller;
export const BASTION_ADDRESS = labNetwork(0).bastion;
export const BASTION_INNER_ADDRESS = labNetwork(0).bastionInner;
export const HOSTS_NET = labNetwork(0).hostsNet;
export const DEPLOY_USER = "deploy";
/** A user in the `sudo` group with no sudoers drop-in: sudo asks it for a password. */
export const PASSWORD_SUDO_USER = "ops";
export const JUMP_USER = "jump";

/**
 * The lab runs no systemd: chronyd is started by the lab's /etc/init.d/chrony, whose restart waits
 * for the old chronyd to exit (Debian's own sysvinit script does not, and left chronyd stopped
 * after 2 of 30 restarts here). This is the one way the lab's hosts differ from the stock profiles.
 */
export const LAB_SERVICE: ServiceCommands = {
  restart: ["/etc/init.d/chrony", "restart"],
  start: ["/etc/init.d/chrony", "start"],
  isActive: ["/etc/init.d/chrony", "status"],
};

export function hostAddress(index: number): string {
  return labNetwork(0).hostAddress(index);
}

export function netnsName(prefix: string, id: string): string {
  return `${prefix}-${id}`;
}

/** The folder of one host (or of the bastion) under the lab folder. */
export function hostDir(labDir: string, id: string): string {
  return path.join(labDir, "hosts", id);
}

export function checkHostSpecs(specs: readonly LabHostSpec[]): void {
  const seen = new Set<string>();
  for (const s of specs) {
    if (!/^[a-z][a-z0-9-]{0,14}$/.test(s.id) || ["bastion", "ctl", "sw"].includes(s.id)) {
      throw new Error(`lab host id '${s.id}': use 1 to 15 lower-case letters, digits and '-', not bastion, ctl or sw`);
    }
    if (seen.has(s.id)) throw new Error(`lab host id '${s.id}' is used twice`);
    seen.add(s.id);
  }
  if (specs.length < 1 || specs.length > 200) throw new Error(`a lab has 1 to 200 hosts, got ${specs.length}`);
}

/** The content of LAB/lab.json: what examples (CDKTF_CHRONY_LAB) and tests need to aim at the lab. */
export interface LabFile {
  readonly prefix: string;
  readonly dir: string;
  readonly deployUser: string;
  readonly service: ServiceCommands;
  readonly hostsNet: string;
  readonly controller: {
    readonly netns: string;
    readonly address: string;
    readonly home: string;
    readonly privateKeyPath: string;
    /** Lists the hosts' keys; the bastion's key is only in the controller's /etc/ssh/ssh_known_hosts. */
    readonly knownHostsPath: string;
    /** Bound over /etc/ssh for every controller command. */
    readonly etcSsh: string;
  };
  readonly bastion: {
    readonly address: string;
    readonly innerAddress: string;
    readonly user: string;
    readonly netns: string;
    readonly hostKey: string;
  };
  readonly hosts: readonly LabHost[];
}
