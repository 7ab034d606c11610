import * as path from "node:path";
import { Directive, directive } from "../directive";
import { DIRECTIVES } from "../directive-grammar";
import { isAtLeast, parseChronyVersion } from "../version";
import { HostProfile } from "./host-profile";

export interface PresetOptions {
  /**
   * The chrony release on the hosts: base directives it lacks (ntsdumpdir and sourcedir before 4.0)
   * are left out, as the distribution's own config for that release would.
   * @default "4.3"
   */
  readonly chronyVersion?: string;
}

/** The preset's base directives that the release has. */
function forVersion(directives: readonly Directive[], options: PresetOptions): Directive[] {
  if (options.chronyVersion === undefined) return [...directives];
  const version = parseChronyVersion(options.chronyVersion);
  return directives.filter((d) => isAtLeast(version, DIRECTIVES.get(d.name)?.since ?? "1.31"));
}

const SOURCES_FILE = "cdktf-chrony.sources";

/** Debian and Ubuntu: /etc/chrony, the `chrony` unit, keys owned root:_chrony. */
export function debianProfile(options: PresetOptions = {}): HostProfile {
  return {
    name: "debian",
    confPath: "/etc/chrony/chrony.conf",
    keysPath: "/etc/chrony/chrony.keys",
    sourceDir: "/etc/chrony/sources.d",
    sourcesFileName: SOURCES_FILE,
    keysOwner: "root",
    keysGroup: "_chrony",
    keysMode: 0o640,
    confMode: 0o644,
    confOwner: "root",
    confGroup: "root",
    chronyd: ["chronyd"],
    chronyc: ["chronyc"],
    service: {
      restart: ["systemctl", "restart", "chrony"],
      start: ["systemctl", "start", "chrony"],
      isActive: ["systemctl", "is-active", "--quiet", "chrony"],
    },
    baseDirectives: forVersion(
      [
        directive("driftfile", "/var/lib/chrony/chrony.drift"),
        directive("ntsdumpdir", "/var/lib/chrony"),
        directive("logdir", "/var/log/chrony"),
        directive("keyfile", "/etc/chrony/chrony.keys"),
        directive("sourcedir", "/etc/chrony/sources.d"),
      ],
      options,
    ),
    ntpPort: 123,
    cmdPort: 323,
  };
}

/** RHEL, Fedora, CentOS Stream, Rocky, Alma: /etc/chrony.conf, the `chronyd` unit, root:chrony. */
export function rhelProfile(options: PresetOptions = {}): HostProfile {
  return {
    name: "rhel",
    confPath: "/etc/chrony.conf",
    keysPath: "/etc/chrony.keys",
    sourceDir: "/etc/chrony/sources.d",
    sourcesFileName: SOURCES_FILE,
    keysOwner: "root",
    keysGroup: "chrony",
    keysMode: 0o640,
    confMode: 0o644,
    confOwner: "root",
    confGroup: "root",
    chronyd: ["chronyd"],
    chronyc: ["chronyc"],
    service: {
      restart: ["systemctl", "restart", "chronyd"],
      start: ["systemctl", "start", "chronyd"],
      isActive: ["systemctl", "is-active", "--quiet", "chronyd"],
    },
    baseDirectives: forVersion(
      [
        directive("driftfile", "/var/lib/chrony/drift"),
        directive("ntsdumpdir", "/var/lib/chrony"),
        directive("logdir", "/var/log/chrony"),
        directive("keyfile", "/etc/chrony.keys"),
        directive("sourcedir", "/etc/chrony/sources.d"),
      ],
      options,
    ),
    ntpPort: 123,
    cmdPort: 323,
  };
}

export interface SandboxHostLayout {
  /** The host's root folder, e.g. `.sandbox/hosts/h1/root` (absolute). */
  readonly root: string;
  /** Loopback address the host's chronyd and sshd bind to. */
  readonly address: string;
  readonly ntpPort: number;
  readonly cmdPort: number;
}

/**
 * A sandbox host (see `cdktf-chrony sandbox`): the Debian layout under the host's root folder,
 * its own addresses and ports, and a service script instead of systemd.
 */
export function sandboxProfile(host: SandboxHostLayout): HostProfile {
  const r = (p: string) => path.posix.join(host.root, p);
  const socket = r("run/chrony/chronyd.sock");
  const service = r("usr/local/sbin/chrony-service");
  return {
    name: "sandbox",
    confPath: r("etc/chrony/chrony.conf"),
    keysPath: r("etc/chrony/chrony.keys"),
    sourceDir: r("etc/chrony/sources.d"),
    sourcesFileName: SOURCES_FILE,
    keysOwner: "root",
    keysGroup: "_chrony",
    keysMode: 0o640,
    confMode: 0o644,
    confOwner: "root",
    confGroup: "root",
    chronyd: ["/usr/sbin/chronyd"],
    chronyc: ["/usr/bin/chronyc", "-h", socket],
    service: {
      restart: [service, "restart"],
      start: [service, "start"],
      isActive: [service, "status"],
    },
    baseDirectives: [
      directive("pidfile", r("run/chrony/chronyd.pid")),
      directive("driftfile", r("var/lib/chrony/chrony.drift")),
      directive("ntsdumpdir", r("var/lib/chrony")),
      directive("logdir", r("var/log/chrony")),
      directive("keyfile", r("etc/chrony/chrony.keys")),
      directive("sourcedir", r("etc/chrony/sources.d")),
      directive("port", host.ntpPort),
      directive("bindaddress", host.address),
      directive("bindacqaddress", host.address),
      directive("cmdport", host.cmdPort),
      directive("bindcmdaddress", host.address),
      directive("bindcmdaddress", socket),
    ],
    ntpPort: host.ntpPort,
    cmdPort: host.cmdPort,
  };
}
