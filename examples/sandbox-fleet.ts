import * as fs from "node:fs";
import * as path from "node:path";
import { HostKeyPolicy, HostProfiles } from "../constructs";
import type { HostProfile, SshTarget } from "../constructs";

/** What an example needs to aim a ChronyHost at one host of `cdktf-chrony sandbox`. */
export interface SandboxTarget {
  readonly target: SshTarget;
  readonly profile: HostProfile;
  readonly ntpAddress: string;
  readonly cmdEndpoint: string;
}

interface SandboxFile {
  readonly hosts: ReadonlyArray<{ id: string; address: string; sshPort: number; cmdPort: number; ntpPort: number; root: string }>;
  readonly controller: { user: string; privateKeyPath: string; knownHostsPath: string };
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
  return sandbox.hosts.map((h) => ({
    target: {
      address: h.address,
      port: h.sshPort,
      user: sandbox.controller.user,
      privateKeyPath: sandbox.controller.privateKeyPath,
      hostKey: HostKeyPolicy.knownHosts(sandbox.controller.knownHostsPath),
    },
    profile: HostProfiles.sandbox({ root: h.root, address: h.address, ntpPort: h.ntpPort, cmdPort: h.cmdPort }),
    ntpAddress: h.address,
    cmdEndpoint: `${h.address}:${h.cmdPort}`,
  }));
}
