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

/**
 * Debian 12's /etc/chrony/chrony.conf (package chrony 4.3-2+deb12u1), in its order, without its
 * vendor pool: a source is declared by the app (pools: [{ name: "2.debian.pool.ntp.org", iburst:
 * true }] for the stock one). The drop-in confdir comes first, so lines here override drop-ins;
 * the DHCP sourcedir keeps NTP servers from DHCP working.
 */
const DEBIAN_12_DIRECTIVES: readonly Directive[] = [
  directive("confdir", "/etc/chrony/conf.d"),
  directive("sourcedir", "/run/chrony-dhcp"),
  directive("sourcedir", "/etc/chrony/sources.d"),
  directive("keyfile", "/etc/chrony/chrony.keys"),
  directive("driftfile", "/var/lib/chrony/chrony.drift"),
  directive("ntsdumpdir", "/var/lib/chrony"),
  directive("logdir", "/var/log/chrony"),
  directive("maxupdateskew", "100.0"),
  directive("rtcsync"),
  directive("makestep", "1", "3"),
  directive("leapsectz", "right/UTC"),
];

/**
 * RHEL 9's /etc/chrony.conf (chrony 4.x), in its order, without its vendor pool. RHEL has no
 * sourcedir of its own besides DHCP's: the managed one (/etc/chrony/sources.d) is added after it
 * when sources go in a sourcedir.
 */
const RHEL_9_DIRECTIVES: readonly Directive[] = [
  directive("sourcedir", "/run/chrony-dhcp"),
  directive("driftfile", "/var/lib/chrony/drift"),
  directive("makestep", "1.0", "3"),
  directive("rtcsync"),
  directive("keyfile", "/etc/chrony.keys"),
  directive("ntsdumpdir", "/var/lib/chrony"),
  directive("leapsectz", "right/UTC"),
  directive("logdir", "/var/log/chrony"),
];

/**
 * Debian and Ubuntu: /etc/chrony, the `chrony` unit, keys owned root:_chrony; chrony.conf as
 * Debian 12 ships it (see DEBIAN_12_DIRECTIVES).
 */
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
    baseDirectives: forVersion(DEBIAN_12_DIRECTIVES, options),
    ntpPort: 123,
    cmdPort: 323,
  };
}

/**
 * RHEL, Fedora, CentOS Stream, Rocky, Alma: /etc/chrony.conf, the `chronyd` unit, root:chrony;
 * chrony.conf as RHEL 9 ships it (see RHEL_9_DIRECTIVES).
 */
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
    baseDirectives: forVersion(RHEL_9_DIRECTIVES, options),
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
 * its own addresses and ports, and a service script instead of systemd. Its directives are the ones
 * `sandbox up` writes into a new host's chrony.conf, in that order.
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
      directive("confdir", r("etc/chrony/conf.d")),
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
