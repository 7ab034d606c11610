import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bastionBootScript, hostBootScript } from "./boot-scripts";
import {
  DEPLOY_USER,
  JUMP_USER,
  LAB_SERVICE,
  checkHostSpecs,
  hostDir,
  labNetwork,
  netnsName,
  type LabNetwork,
  type LabFile,
  type LabHost,
  type LabHostSpec,
} from "./layout";

export interface LabOptions {
  /** Prefix of every namespace name; two labs at once need two prefixes. @default "cclab" */
  readonly prefix?: string;
  readonly hosts: readonly LabHostSpec[];
  /** Which addresses (see labNetwork); two labs at once need two. @default 0 */
  readonly network?: number;
  /**
   * The bastion also routes between the controller's network and the hosts' (and the hosts route
   * back through it), as a monitoring network would: the controller then reaches the hosts' UDP
   * ports (chronyd's command port), and whatever their firewalls let through.
   * @default false - the bastion forwards nothing; only SSH through its sshd reaches the hosts
   */
  readonly routed?: boolean;
  /** Progress lines. @default - silent */
  readonly log?: (line: string) => void;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly input?: string;
  /** @default 600000 */
  readonly timeoutMs?: number;
}

export interface Lab extends LabFile {
  /** Runs a program as the controller: in its network namespace, with its /etc/ssh and HOME. */
  run(argv: readonly string[], options?: RunOptions): SpawnSyncReturns<string>;
  /** Runs a program inside a host's namespaces (its /etc, /run, network), as root: for checks and hand edits. */
  inHost(id: string, argv: readonly string[], input?: string): SpawnSyncReturns<string>;
  /** Stops everything the lab started, by pid, removes its namespaces by name and its folder. */
  down(): Promise<void>;
}

function ip(args: readonly string[]): void {
  execFileSync("ip", [...args], { stdio: ["ignore", "ignore", "pipe"] });
}

function keygen(file: string, comment: string): { privateKey: string; publicKey: string } {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
  const [type, blob] = fs.readFileSync(`${file}.pub`, "utf8").trim().split(/\s+/);
  return { privateKey: fs.readFileSync(file, "utf8"), publicKey: `${type} ${blob}` };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a namespace's first process (its "init": it becomes sshd) and returns its pid. */
function boot(netns: string, script: string, dir: string): number {
  const file = path.join(dir, "boot.sh");
  fs.writeFileSync(file, script, { mode: 0o700 });
  const log = fs.openSync(path.join(dir, "boot.log"), "a");
  // ip netns exec → unshare: new mount and UTS namespaces; both exec, so the pid stays the one spawned.
  const child = spawn("ip", ["netns", "exec", netns, "unshare", "--mount", "--uts", "--propagation", "private", "sh", file], {
    detached: true,
    stdio: ["ignore", log, log],
  });
  fs.closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start the boot process of ${netns}`);
  return child.pid;
}

async function waitListening(netns: string, dir: string, pid: number, address: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = spawnSync("ip", ["netns", "exec", netns, "ss", "-Hltn", `src ${address}:22`], { encoding: "utf8" });
    if (r.status === 0 && r.stdout.includes(`${address}:22`)) return;
    const alive = fs.existsSync(`/proc/${pid}`);
    if (!alive || Date.now() > deadline) {
      const log = fs.readFileSync(path.join(dir, "boot.log"), "utf8").trim().split("\n").slice(-5).join(" | ");
      throw new Error(`lab ${netns} did not start sshd on ${address}:22${alive ? " within 20 s" : ""}: ${log}`);
    }
    await sleep(50);
  }
}

/** The namespaces whose names start with `prefix-` (ip netns list prints "NAME (id: N)"). */
function labNamespaces(prefix: string): string[] {
  const out = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "";
  return out
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => n !== undefined && n.startsWith(`${prefix}-`));
}

function pidsIn(netns: string): number[] {
  const out = spawnSync("ip", ["netns", "pids", netns], { encoding: "utf8" }).stdout ?? "";
  return out
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((p) => Number.isInteger(p) && p > 1 && p !== process.pid);
}

/**
 * Removes a lab from scratch: every process in a namespace named `prefix-*` (found with
 * `ip netns pids`, stopped by pid: SIGTERM, then SIGKILL), then those namespaces by name (their veth
 * pairs and bridge go with them; the mounts lived only in the processes' own mount namespaces),
 * then the lab folder if given. Safe to call when nothing is left.
 */
export async function labDown(prefix: string, dir?: string): Promise<{ processes: number; namespaces: string[] }> {
  const namespaces = labNamespaces(prefix);
  const pids = [...new Set(namespaces.flatMap(pidsIn))];
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 5000;
  while (pids.some((p) => fs.existsSync(`/proc/${p}`)) && Date.now() < deadline) await sleep(50);
  for (const ns of namespaces) {
    for (const pid of pidsIn(ns)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  await sleep(100);
  for (const ns of namespaces) spawnSync("ip", ["netns", "del", ns]);
  // Without a folder (from scratch): the lab folders of this prefix in the temp folder.
  const dirs = dir !== undefined ? [dir] : labDirs(prefix);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  return { processes: pids.length, namespaces };
}

/** Folders `startLab` made for this prefix: PREFIX-XXXXXX in the temp folder, holding a lab.json or nothing yet. */
function labDirs(prefix: string): string[] {
  return fs
    .readdirSync(os.tmpdir())
    .filter((n) => new RegExp(`^${prefix.replace(/[^A-Za-z0-9]/g, "\\$&")}-[A-Za-z0-9]{6}$`).test(n))
    .map((n) => path.join(os.tmpdir(), n))
    .filter((d) => fs.existsSync(path.join(d, "lab.json")) || fs.existsSync(path.join(d, "controller")));
}

/** Reads LAB/lab.json of a running lab. */
export function readLabFile(dir: string): LabFile {
  return JSON.parse(fs.readFileSync(path.join(dir, "lab.json"), "utf8")) as LabFile;
}

/** Gives a running lab's description its commands. */
export function labOf(file: LabFile): Lab {
  const hostPid = (id: string): number => {
    const pid = Number(fs.readFileSync(path.join(hostDir(file.dir, id), "boot.pid"), "utf8"));
    if (!Number.isInteger(pid) || !fs.existsSync(`/proc/${pid}`)) throw new Error(`lab host ${id} is not running (pid ${pid})`);
    return pid;
  };
  return {
    ...file,
    run(argv, options = {}) {
      // A mount namespace per command: the controller's /etc/ssh (its ssh_known_hosts holds the bastion's key).
      const inner = 'mount --bind "$0" /etc/ssh && exec "$@"';
      return spawnSync(
        "ip",
        [
          "netns",
          "exec",
          file.controller.netns,
          "unshare",
          "--mount",
          "--propagation",
          "private",
          "sh",
          "-c",
          inner,
          file.controller.etcSsh,
          ...argv,
        ],
        {
          encoding: "utf8",
          cwd: options.cwd,
          input: options.input,
          env: { ...process.env, HOME: file.controller.home, ...options.env },
          timeout: options.timeoutMs ?? 600_000,
          maxBuffer: 64 * 1024 * 1024,
        },
      );
    },
    inHost(id, argv, input) {
      return spawnSync("nsenter", ["-t", String(hostPid(id)), "-m", "-u", "-n", ...argv], { encoding: "utf8", input, timeout: 60_000 });
    },
    down: async () => {
      await labDown(file.prefix, file.dir);
    },
  };
}

/**
 * Starts a lab: the namespaces and links, the bastion, then every host (in parallel), and writes
 * LAB/lab.json. Needs root, iproute2, util-linux (unshare, nsenter), openssh-server, sudo, chrony.
 * Whatever a previous run of the same prefix left is removed first; a failure removes it all again.
 */
export async function startLab(options: LabOptions): Promise<Lab> {
  const prefix = options.prefix ?? "cclab";
  const log = options.log ?? (() => undefined);
  checkHostSpecs(options.hosts);
  await labDown(prefix);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  try {
    return await build(prefix, dir, options.hosts, log, labNetwork(options.network ?? 0), options.routed ?? false);
  } catch (err) {
    await labDown(prefix, dir);
    throw err;
  }
}

async function build(
  prefix: string,
  dir: string,
  specs: readonly LabHostSpec[],
  log: (line: string) => void,
  net: LabNetwork,
  routed: boolean,
): Promise<Lab> {
  const started = Date.now();
  const ns = {
    ctl: netnsName(prefix, "ctl"),
    bastion: netnsName(prefix, "bastion"),
    sw: netnsName(prefix, "sw"),
  };
  // Controller: its key, the hosts' keys in known_hosts, the bastion's in its /etc/ssh/ssh_known_hosts.
  const ctlDir = path.join(dir, "controller");
  const home = path.join(ctlDir, "home");
  const etcSsh = path.join(ctlDir, "etc-ssh");
  fs.mkdirSync(path.join(home, ".ssh"), { recursive: true, mode: 0o700 });
  fs.mkdirSync(etcSsh, { recursive: true });
  for (const f of ["ssh_config", "moduli"]) if (fs.existsSync(`/etc/ssh/${f}`)) fs.copyFileSync(`/etc/ssh/${f}`, path.join(etcSsh, f));
  const privateKeyPath = path.join(ctlDir, "id_ed25519");
  const controllerKey = keygen(privateKeyPath, "cdktf-chrony-lab-controller");

  const hostDirs = (id: string, chrony: boolean) => {
    const d = hostDir(dir, id);
    for (const sub of ["etc", "work", "home", "log", ...(chrony ? ["chrony-lib"] : [])]) fs.mkdirSync(path.join(d, sub), { recursive: true });
    fs.mkdirSync(path.join(d, "keys"), { mode: 0o700 });
    return d;
  };

  // Namespaces and links; nothing is created in the root namespace.
  const hosts = specs.map((s, i) => ({ ...s, address: net.hostAddress(i), netns: netnsName(prefix, s.id), dir: hostDirs(s.id, true) }));
  for (const name of [ns.ctl, ns.bastion, ns.sw, ...hosts.map((h) => h.netns)]) {
    ip(["netns", "add", name]);
    ip(["-n", name, "link", "set", "lo", "up"]);
  }
  ip(["link", "add", "eth0", "netns", ns.ctl, "type", "veth", "peer", "name", "eth0", "netns", ns.bastion]);
  ip(["link", "add", "br0", "netns", ns.sw, "type", "bridge"]);
  ip(["-n", ns.sw, "link", "set", "br0", "up"]);
  const attach = (netns: string, ifname: string, port: string, cidr: string) => {
    ip(["link", "add", ifname, "netns", netns, "type", "veth", "peer", "name", port, "netns", ns.sw]);
    ip(["-n", ns.sw, "link", "set", port, "master", "br0", "up"]);
    ip(["-n", netns, "addr", "add", cidr, "dev", ifname]);
    ip(["-n", netns, "link", "set", ifname, "up"]);
  };
  ip(["-n", ns.ctl, "addr", "add", `${net.controller}/24`, "dev", "eth0"]);
  ip(["-n", ns.ctl, "link", "set", "eth0", "up"]);
  ip(["-n", ns.bastion, "addr", "add", `${net.bastion}/24`, "dev", "eth0"]);
  ip(["-n", ns.bastion, "link", "set", "eth0", "up"]);
  attach(ns.bastion, "eth1", "bastion", `${net.bastionInner}/24`);
  for (const h of hosts) attach(h.netns, "eth0", h.id, `${h.address}/24`);
  // The controller sends the hosts' traffic to the bastion, which does not forward it: only SSH
  // through the bastion's sshd gets there (the test for a direct connection relies on this).
  ip(["-n", ns.ctl, "route", "add", net.hostsNet, "via", net.bastion]);
  execFileSync("ip", ["netns", "exec", ns.bastion, "sysctl", "-qw", `net.ipv4.ip_forward=${routed ? 1 : 0}`]);
  if (routed) for (const h of hosts) ip(["-n", h.netns, "route", "add", net.controllerNet, "via", net.bastionInner]);
  log(`lab: namespaces and links up (${hosts.length} hosts behind the bastion)`);

  // The bastion, then the hosts.
  const bastionDir = hostDirs("bastion", false);
  const bastionKey = keygen(path.join(bastionDir, "keys", "ssh_host_ed25519_key"), "lab-bastion");
  const bastionPid = boot(
    ns.bastion,
    bastionBootScript({
      address: net.bastion,
      dir: bastionDir,
      hostPrivateKey: bastionKey.privateKey,
      hostPublicKey: bastionKey.publicKey,
      authorizedKey: controllerKey.publicKey,
      permitOpen: hosts.map((h) => `${h.address}:22`),
    }),
    bastionDir,
  );
  fs.writeFileSync(path.join(bastionDir, "boot.pid"), String(bastionPid));
  const labHosts: LabHost[] = hosts.map((h) => {
    const key = keygen(path.join(h.dir, "keys", "ssh_host_ed25519_key"), `lab-${h.id}`);
    const pid = boot(
      h.netns,
      hostBootScript({ ...h, hostPrivateKey: key.privateKey, hostPublicKey: key.publicKey, authorizedKey: controllerKey.publicKey }),
      h.dir,
    );
    fs.writeFileSync(path.join(h.dir, "boot.pid"), String(pid));
    return { id: h.id, layout: h.layout, address: h.address, netns: h.netns, dir: h.dir, hostKey: key.publicKey };
  });
  await waitListening(ns.bastion, bastionDir, bastionPid, net.bastion);
  await Promise.all(labHosts.map((h) => waitListening(h.netns, h.dir, Number(fs.readFileSync(path.join(h.dir, "boot.pid"), "utf8")), h.address)));

  const knownHostsPath = path.join(ctlDir, "known_hosts");
  fs.writeFileSync(knownHostsPath, labHosts.map((h) => `${h.address} ${h.hostKey}\n`).join(""));
  fs.writeFileSync(path.join(etcSsh, "ssh_known_hosts"), `${net.bastion} ${bastionKey.publicKey}\n`);
  fs.writeFileSync(path.join(home, ".ssh", "config"), sshConfig(labHosts, privateKeyPath, knownHostsPath, net.bastion), { mode: 0o600 });

  const file: LabFile = {
    prefix,
    dir,
    deployUser: DEPLOY_USER,
    service: LAB_SERVICE,
    hostsNet: net.hostsNet,
    controller: { netns: ns.ctl, address: net.controller, home, privateKeyPath, knownHostsPath, etcSsh },
    bastion: { address: net.bastion, innerAddress: net.bastionInner, user: JUMP_USER, netns: ns.bastion, hostKey: bastionKey.publicKey },
    hosts: labHosts,
  };
  fs.writeFileSync(path.join(dir, "lab.json"), `${JSON.stringify(file, null, 2)}\n`);
  log(`lab: ${labHosts.length} hosts and the bastion up in ${((Date.now() - started) / 1000).toFixed(1)} s (${dir})`);
  return labOf(file);
}

/** The controller's ~/.ssh/config: every host by name, through the bastion, as the deploy user. */
function sshConfig(hosts: readonly LabHost[], identity: string, knownHosts: string, bastion: string): string {
  return [
    "Host bastion",
    `  HostName ${bastion}`,
    `  User ${JUMP_USER}`,
    `  IdentityFile ${identity}`,
    "",
    ...hosts.flatMap((h) => [`Host ${h.id}`, `  HostName ${h.address}`, ""]),
    `Host ${hosts.map((h) => h.id).join(" ")}`,
    "  ProxyJump bastion",
    `  User ${DEPLOY_USER}`,
    `  IdentityFile ${identity}`,
    `  UserKnownHostsFile ${knownHosts}`,
    "",
  ].join("\n");
}
