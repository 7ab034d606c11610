import type { ControllerPaths, HostPaths, SandboxHost } from "./layout";

/** sshd_config of one host: key-only root login for the controller, nothing forwarded. */
export function renderSshdConfig(host: SandboxHost, paths: HostPaths, controller: ControllerPaths): string {
  return [
    `# sshd of sandbox host ${host.id}; written by 'cdktf-chrony sandbox up' (rewritten on each up)`,
    `ListenAddress ${host.address}:${host.sshPort}`,
    `HostKey ${paths.hostKey}`,
    `PidFile ${paths.sshdPidFile}`,
    "PermitRootLogin prohibit-password",
    "PubkeyAuthentication yes",
    `AuthorizedKeysFile ${controller.authorizedKeys}`,
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    "# StrictModes wants every folder above authorized_keys owned by root and not writable by others;",
    "# a sandbox below /tmp (mode 1777) would fail that, so the check is off. Only root can write here.",
    "StrictModes no",
    "X11Forwarding no",
    "AllowAgentForwarding no",
    "AllowTcpForwarding no",
    "AllowStreamLocalForwarding no",
    "PermitTunnel no",
    "PermitUserEnvironment no",
    "PrintMotd no",
    "UseDNS no",
    "Subsystem sftp internal-sftp",
    "",
  ].join("\n");
}
