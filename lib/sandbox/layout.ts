import * as path from "node:path";
import { UserError } from "../errors";
import { formatIpv4, isLoopbackIpv4, parseIpv4 } from "./ipv4";

export const MAX_HOSTS = 200;
export const DEFAULT_FIRST_ADDRESS = "127.0.0.11";
export const SSH_PORT_BASE = 2200;
export const NTP_PORT_BASE = 11100;
export const CMD_PORT_BASE = 11300;

/** One sandbox host as recorded in sandbox.json (other code reads this shape: keep it). */
export interface SandboxHost {
  readonly id: string;
  readonly address: string;
  readonly sshPort: number;
  readonly cmdPort: number;
  readonly ntpPort: number;
  /** Absolute path of the host's root folder; its chrony files live below it as on Debian. */
  readonly root: string;
}

/** How the controller logs in to every host. */
export interface SandboxController {
  readonly user: "root";
  readonly privateKeyPath: string;
  readonly knownHostsPath: string;
}

/** The content of D/sandbox.json. */
export interface SandboxManifest {
  readonly hosts: readonly SandboxHost[];
  readonly controller: SandboxController;
}

/** Every file of one host, derived from the sandbox folder and the host id. */
export interface HostPaths {
  readonly hostDir: string;
  readonly root: string;
  readonly chronyDir: string;
  readonly confFile: string;
  readonly keysFile: string;
  readonly sourcesDir: string;
  readonly confDir: string;
  readonly varLibDir: string;
  readonly logDir: string;
  readonly chronydLog: string;
  readonly runDir: string;
  readonly pidFile: string;
  readonly socket: string;
  readonly serviceScript: string;
  readonly sshdDir: string;
  readonly sshdConfig: string;
  readonly hostKey: string;
  readonly sshdPidFile: string;
  readonly sshdLog: string;
}

export interface ControllerPaths {
  readonly controllerDir: string;
  readonly privateKey: string;
  readonly publicKey: string;
  readonly authorizedKeys: string;
  readonly knownHosts: string;
}

export function manifestPath(dir: string): string {
  return path.join(dir, "sandbox.json");
}

export function controllerPaths(dir: string): ControllerPaths {
  const controllerDir = path.join(dir, "controller");
  return {
    controllerDir,
    privateKey: path.join(controllerDir, "id_ed25519"),
    publicKey: path.join(controllerDir, "id_ed25519.pub"),
    authorizedKeys: path.join(controllerDir, "authorized_keys"),
    knownHosts: path.join(controllerDir, "known_hosts"),
  };
}

export function controllerOf(dir: string): SandboxController {
  const c = controllerPaths(dir);
  return { user: "root", privateKeyPath: c.privateKey, knownHostsPath: c.knownHosts };
}

export function hostPaths(dir: string, id: string): HostPaths {
  const hostDir = path.join(dir, "hosts", id);
  const root = path.join(hostDir, "root");
  const chronyDir = path.join(root, "etc/chrony");
  const runDir = path.join(root, "run/chrony");
  const logDir = path.join(root, "var/log/chrony");
  const sshdDir = path.join(hostDir, "sshd");
  return {
    hostDir,
    root,
    chronyDir,
    confFile: path.join(chronyDir, "chrony.conf"),
    keysFile: path.join(chronyDir, "chrony.keys"),
    sourcesDir: path.join(chronyDir, "sources.d"),
    confDir: path.join(chronyDir, "conf.d"),
    varLibDir: path.join(root, "var/lib/chrony"),
    logDir,
    chronydLog: path.join(logDir, "chronyd.log"),
    runDir,
    pidFile: path.join(runDir, "chronyd.pid"),
    socket: path.join(runDir, "chronyd.sock"),
    serviceScript: path.join(root, "usr/local/sbin/chrony-service"),
    sshdDir,
    sshdConfig: path.join(sshdDir, "sshd_config"),
    hostKey: path.join(sshdDir, "ssh_host_ed25519_key"),
    sshdPidFile: path.join(sshdDir, "sshd.pid"),
    sshdLog: path.join(sshdDir, "sshd.log"),
  };
}

// chrony.conf splits on whitespace and sshd_config on whitespace and quotes: keep paths plain.
const PLAIN_PATH = /^[A-Za-z0-9._/+@%,:=-]+$/;

// A Unix socket path holds at most 107 bytes, and chronyc binds its own socket next to chronyd's
// as `chronyc.<pid>.sock` (pid up to 7 digits).
const MAX_SOCKET_DIR_LENGTH = 107 - "/chronyc.".length - 7 - ".sock".length;

/** Check the sandbox folder (absolute) can hold `count` hosts; throws a `UserError` with the fix. */
export function checkSandboxDir(dir: string, count: number): void {
  if (!PLAIN_PATH.test(dir)) {
    throw new UserError(
      `sandbox folder '${dir}' has characters chrony.conf cannot hold (spaces, quotes, '#'...): use --dir with letters, digits and . _ - / only`,
    );
  }
  const longest = hostPaths(dir, `h${count}`).runDir;
  if (longest.length > MAX_SOCKET_DIR_LENGTH) {
    throw new UserError(
      `sandbox folder '${dir}' is too long: ${longest}/chronyc.PID.sock would exceed the 107-byte Unix socket path limit; use a folder path of at most ${MAX_SOCKET_DIR_LENGTH - (longest.length - dir.length)} characters`,
    );
  }
}

/** Check the host count, with the value received and the allowed range. */
export function checkHostCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_HOSTS) {
    throw new UserError(`invalid host count '${count}' (--hosts): use a whole number from 1 to ${MAX_HOSTS}`);
  }
}

/** The hosts of a sandbox: host i gets address first+(i-1), ports 2200+i, 11100+i and 11300+i. */
export function planHosts(dir: string, count: number, firstAddress: string): SandboxHost[] {
  checkHostCount(count);
  const first = parseIpv4(firstAddress);
  if (first === undefined) {
    throw new UserError(`invalid first address '${firstAddress}': use an IPv4 loopback address such as ${DEFAULT_FIRST_ADDRESS}`);
  }
  if (!isLoopbackIpv4(first) || first === 0x7f000000) {
    throw new UserError(
      `first address '${firstAddress}' is not a usable loopback address: the sandbox only listens on 127.0.0.0/8; use one such as ${DEFAULT_FIRST_ADDRESS}`,
    );
  }
  const last = first + count - 1;
  if (!isLoopbackIpv4(last) || last === 0x7fffffff) {
    throw new UserError(
      `first address '${firstAddress}' with ${count} hosts leaves 127.0.0.0/8 (last would be ${formatIpv4(last >>> 0)}): the sandbox only uses loopback addresses; use one such as ${DEFAULT_FIRST_ADDRESS}`,
    );
  }
  return Array.from({ length: count }, (_, k) => {
    const i = k + 1;
    const id = `h${i}`;
    return {
      id,
      address: formatIpv4(first + k),
      sshPort: SSH_PORT_BASE + i,
      cmdPort: CMD_PORT_BASE + i,
      ntpPort: NTP_PORT_BASE + i,
      root: hostPaths(dir, id).root,
    };
  });
}
