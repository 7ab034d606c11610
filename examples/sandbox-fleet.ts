import * as fs from "node:fs";
import * as path from "node:path";
import { HostKeyPolicy, HostProfiles } from "../constructs";
import type { ChronyHostProps, HostProfile, SshTarget } from "../constructs";
import type { SandboxController, SandboxHost } from "../lib/sandbox";

/** What an example needs to aim a ChronyHost at one host of `cdktf-chrony sandbox`. */
export interface SandboxTarget {
  readonly target: SshTarget;
  readonly profile: HostProfile;
  readonly ntpAddress: string;
  readonly cmdEndpoint: string;
}

interface SandboxFile {
  readonly hosts: readonly SandboxHost[];
  readonly controller: SandboxController;
}

/** The ChronyHost props that aim a host at one sandbox host (SSH target, profile, addresses). */
export function sandboxHostProps(
  host: SandboxHost,
  controller: SandboxController,
): Pick<ChronyHostProps, "target" | "profile" | "ntpAddress" | "verify"> {
  return {
    target: {
      address: host.address,
      port: host.sshPort,
      user: controller.user,
      privateKeyPath: controller.privateKeyPath,
      hostKey: HostKeyPolicy.knownHosts(controller.knownHostsPath),
    },
    profile: HostProfiles.sandbox({ root: host.root, address: host.address, ntpPort: host.ntpPort, cmdPort: host.cmdPort }),
    ntpAddress: host.address,
    verify: { cmdEndpoint: `${host.address}:${host.cmdPort}`, timeoutSeconds: 30 },
  };
}

/**
 * The sandbox named by CDKTF_CHRONY_SANDBOX (a folder made by `cdktf-chrony sandbox up`), or
 * undefined when the app targets real hosts.
 */
export function sandboxTargets(): SandboxTarget[] | undefined {
  const dir = process.env.CDKTF_CHRONY_SANDBOX;
  if (!dir) return undefined;
  const file = path.join(path.resolve(dir), "sandbox.json");
  if (!fs.existsSync(file)) {
    throw new Error(`CDKTF_CHRONY_SANDBOX=${dir} holds no sandbox.json: run 'cdktf-chrony sandbox up --dir ${dir}' first`);
  }
  const sandbox = JSON.parse(fs.readFileSync(file, "utf8")) as SandboxFile;
  return sandbox.hosts.map((h) => {
    const props = sandboxHostProps(h, sandbox.controller);
    return { target: props.target, profile: props.profile!, ntpAddress: h.address, cmdEndpoint: `${h.address}:${h.cmdPort}` };
  });
}
