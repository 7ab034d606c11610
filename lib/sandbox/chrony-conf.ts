import type { HostPaths, SandboxHost } from "./layout";

/**
 * The directives every sandbox chrony.conf starts with. The sandbox host profile relies on these
 * exact lines (paths below the host root, its own ports and addresses): keep their form.
 */
export function profileDirectives(host: SandboxHost, paths: HostPaths): string[] {
  return [
    `pidfile ${paths.pidFile}`,
    `driftfile ${paths.varLibDir}/chrony.drift`,
    `ntsdumpdir ${paths.varLibDir}`,
    `logdir ${paths.logDir}`,
    `keyfile ${paths.keysFile}`,
    `sourcedir ${paths.sourcesDir}`,
    `confdir ${paths.confDir}`,
    `port ${host.ntpPort}`,
    `bindaddress ${host.address}`,
    `bindacqaddress ${host.address}`,
    `cmdport ${host.cmdPort}`,
    `bindcmdaddress ${host.address}`,
    `bindcmdaddress ${paths.socket}`,
  ];
}

/**
 * The first chrony.conf of a host: the time server (h1) serves its local clock to the loopback
 * net; the others name h1 in chrony.conf itself, so the managed sourcedir starts empty and a
 * deploy's sources file is the only one chronyd loads from it.
 */
export function initialChronyConf(host: SandboxHost, paths: HostPaths, timeServer: SandboxHost): string {
  const lines = profileDirectives(host, paths);
  if (host.id === timeServer.id) lines.push("local stratum 8", "allow 127.0.0.0/8");
  else lines.push(`server ${timeServer.address} port ${timeServer.ntpPort} iburst`);
  return `${lines.join("\n")}\n`;
}
