import * as fs from "node:fs";
import * as path from "node:path";
import { shellQuote } from "../../../lib/ssh/shell-quote";
import { sudoersDropIn } from "../../../lib/ssh/sudo-entry";
import { DEPLOY_USER, JUMP_USER, PASSWORD_SUDO_USER, type LabLayout } from "./layout";

const FIXTURES = path.resolve(__dirname, "../../../../test/fixtures/conf");
const FIXTURES_FROM_SOURCES = path.resolve(__dirname, "../../fixtures/conf");

/** A distribution's default chrony.conf, without its vendor pool (the lab has no Internet). */
function stockConf(layout: LabLayout): string {
  const name = layout === "debian" ? "debian-12-default.conf" : "rhel-9-default.conf";
  const dir = fs.existsSync(path.join(FIXTURES_FROM_SOURCES, name)) ? FIXTURES_FROM_SOURCES : FIXTURES;
  return fs.readFileSync(path.join(dir, name), "utf8").replace(/^pool /m, "#pool ");
}

/** Shell lines that write `content` to `file` (any bytes, carried base64-encoded) with mode and owner. */
function put(file: string, content: string, mode: string, owner = "root:root"): string {
  const b64 = Buffer.from(content).toString("base64");
  return [
    `printf '%s' ${shellQuote(b64)} | base64 -d > ${shellQuote(file)}`,
    `chmod ${mode} ${shellQuote(file)}`,
    `chown ${owner} ${shellQuote(file)}`,
  ].join("\n");
}

interface Account {
  readonly name: string;
  readonly uid: number;
  readonly groups?: readonly string[];
}

/** Appends users (no password: '*' in shadow, so only their SSH key logs them in) with a home and authorized_keys. */
function addUsers(accounts: readonly Account[], authorizedKey: string): string[] {
  const lines: string[] = [];
  for (const a of accounts) {
    lines.push(
      `echo ${shellQuote(`${a.name}:x:${a.uid}:${a.uid}:lab user:/home/${a.name}:/bin/sh`)} >> /etc/passwd`,
      `echo ${shellQuote(`${a.name}:x:${a.uid}:`)} >> /etc/group`,
      `echo ${shellQuote(`${a.name}:*:19700:0:99999:7:::`)} >> /etc/shadow`,
      `mkdir -p /home/${a.name}/.ssh`,
      put(`/home/${a.name}/.ssh/authorized_keys`, `${authorizedKey}\n`, "0600", `${a.uid}:${a.uid}`),
      `chown ${a.uid}:${a.uid} /home/${a.name} /home/${a.name}/.ssh && chmod 0755 /home/${a.name} && chmod 0700 /home/${a.name}/.ssh`,
    );
    for (const g of a.groups ?? []) lines.push(addToGroup(g, a.name));
  }
  return lines;
}

function addToGroup(group: string, user: string): string {
  const awk = `BEGIN { FS = OFS = ":" } $1 == g { $4 = ($4 == "" ? u : $4 "," u) } { print }`;
  return `awk -v g=${shellQuote(group)} -v u=${shellQuote(user)} ${shellQuote(awk)} /etc/group > /run/group.new && cat /run/group.new > /etc/group && rm /run/group.new`;
}

/** The namespaces' mounts: /etc as an overlay of the machine's (writes stay in the host's folder), a fresh /run. */
function mounts(dir: string, withChrony: boolean): string[] {
  const q = (p: string) => shellQuote(path.join(dir, p));
  return [
    `mount -t overlay overlay -o lowerdir=/etc,upperdir=${q("etc")},workdir=${q("work")} /etc`,
    "mount -t tmpfs -o mode=0755 lab-run /run",
    `mount --bind ${q("home")} /home`,
    `mount --bind ${q("log")} /var/log`,
    ...(withChrony ? [`mount --bind ${q("chrony-lib")} /var/lib/chrony`] : []),
    "mkdir -p /run/sshd && chmod 0755 /run/sshd",
  ];
}

function sshdConfig(listen: string, extra: readonly string[]): string {
  return [
    "# sshd of a lab host, on port 22 as on a stock host",
    `ListenAddress ${listen}:22`,
    "HostKey /etc/ssh/ssh_host_ed25519_key",
    "PermitRootLogin no",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM yes",
    "X11Forwarding no",
    "PrintMotd no",
    "AcceptEnv LANG LC_*",
    "Subsystem sftp /usr/lib/openssh/sftp-server",
    ...extra,
    "",
  ].join("\n");
}

function hostKeyFiles(privateKey: string, publicKey: string): string[] {
  return [
    "rm -f /etc/ssh/ssh_host_* /etc/ssh/sshd_config.d/*.conf",
    put("/etc/ssh/ssh_host_ed25519_key", privateKey, "0600"),
    put("/etc/ssh/ssh_host_ed25519_key.pub", publicKey, "0644"),
  ];
}

/**
 * The lab's rc script for chronyd (stands in for systemd): `start|stop|restart|status`. chronyd runs
 * with the options in /etc/default/chrony (`-x`: never touch the machine's clock, which all lab
 * hosts share), drops root for _chrony as packaged, and uses its stock pid file and socket.
 */
export function rcScript(): string {
  return `#!/bin/sh
# /etc/init.d/chrony of a cdktf-chrony lab host: start|stop|restart|status.
# Unlike Debian's sysvinit script, restart waits for the old chronyd to exit before starting.
set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
PIDFILE=/run/chrony/chronyd.pid
DAEMON_OPTS=""
[ -f /etc/default/chrony ] && . /etc/default/chrony

running_pid() {
  [ -f "$PIDFILE" ] || return 1
  pid=$(tr -cd '0-9' < "$PIDFILE")
  [ -n "$pid" ] || return 1
  state=$(sed -n 's/^State:[[:space:]]*\\(.\\).*/\\1/p' "/proc/$pid/status" 2>/dev/null)
  case "$state" in ''|Z|X) return 1 ;; esac
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = chronyd ] || return 1
  echo "$pid"
}

start() {
  if pid=$(running_pid); then echo "chronyd already running (pid $pid)"; return 0; fi
  rm -f "$PIDFILE"
  mkdir -p /run/chrony && chown _chrony:_chrony /run/chrony && chmod 0750 /run/chrony || return 1
  # shellcheck disable=SC2086
  /usr/sbin/chronyd $DAEMON_OPTS || return 1
  i=0
  while [ $i -lt 100 ]; do
    if running_pid >/dev/null && chronyc -n -c tracking >/dev/null 2>&1; then echo "chronyd started"; return 0; fi
    sleep 0.1; i=$((i + 1))
  done
  echo "chronyd did not answer within 10 s" >&2
  return 1
}

stop() {
  pid=$(running_pid) || { echo "chronyd not running"; return 0; }
  kill -TERM "$pid"
  i=0
  while [ $i -lt 100 ]; do
    running_pid >/dev/null || { echo "chronyd stopped"; return 0; }
    sleep 0.1; i=$((i + 1))
  done
  echo "chronyd (pid $pid) did not exit within 10 s" >&2
  return 1
}

case "\${1:-}" in
  start) start ;;
  stop) stop ;;
  restart|force-reload) stop && start ;;
  status) if pid=$(running_pid); then echo "chronyd is running (pid $pid)"; else echo "chronyd is not running"; exit 3; fi ;;
  *) echo "usage: $0 start|stop|restart|status" >&2; exit 2 ;;
esac
`;
}

export interface HostBootInput {
  readonly id: string;
  readonly layout: LabLayout;
  readonly address: string;
  readonly dir: string;
  readonly hostPrivateKey: string;
  readonly hostPublicKey: string;
  readonly authorizedKey: string;
}

/**
 * What a lab host runs as its first process, inside its new namespaces: the mounts, its users
 * (deploy with the cdktf-chrony sudoers drop-in; ops, in the sudo group, whom sudo asks for a
 * password), sshd's config and key, chrony's files at their stock paths, chronyd; then it becomes sshd.
 */
export function hostBootScript(h: HostBootInput): string {
  const chronyFiles =
    h.layout === "debian"
      ? [put("/etc/chrony/chrony.conf", stockConf("debian"), "0644"), "echo 'DAEMON_OPTS=\"-F 1 -x\"' > /etc/default/chrony"]
      : [
          // RHEL: chrony.conf and chrony.keys directly in /etc, keys readable by group chrony.
          "rm -rf /etc/chrony",
          "echo 'chrony:x:2100:_chrony' >> /etc/group",
          put("/etc/chrony.conf", stockConf("rhel"), "0644"),
          put("/etc/chrony.keys", "# keys for NTP authentication\n", "0640", "root:chrony"),
          "echo 'DAEMON_OPTS=\"-F 1 -x -f /etc/chrony.conf\"' > /etc/default/chrony",
        ];
  return [
    "#!/bin/sh",
    `# Boot of lab host ${h.id} (${h.layout} layout, ${h.address})`,
    "set -eu",
    ...mounts(h.dir, true),
    `hostname ${shellQuote(h.id)}`,
    `echo ${shellQuote(`127.0.1.1 ${h.id}`)} >> /etc/hosts`,
    ...addUsers(
      [
        { name: DEPLOY_USER, uid: 2001 },
        { name: PASSWORD_SUDO_USER, uid: 2003, groups: ["sudo"] },
      ],
      h.authorizedKey,
    ),
    put("/etc/sudoers.d/cdktf-chrony", sudoersDropIn(DEPLOY_USER), "0440"),
    "visudo -cq",
    ...hostKeyFiles(h.hostPrivateKey, h.hostPublicKey),
    put("/etc/ssh/sshd_config", sshdConfig(h.address, ["AllowTcpForwarding no"]), "0644"),
    "mkdir -p /var/log/chrony && chown _chrony:_chrony /var/log/chrony",
    "chown _chrony:_chrony /var/lib/chrony",
    ...chronyFiles,
    put("/etc/init.d/chrony", rcScript(), "0755"),
    "/etc/init.d/chrony start",
    "echo READY",
    "exec /usr/sbin/sshd -D -E /var/log/sshd.log",
    "",
  ].join("\n");
}

export interface BastionBootInput {
  readonly address: string;
  readonly dir: string;
  readonly hostPrivateKey: string;
  readonly hostPublicKey: string;
  readonly authorizedKey: string;
  /** Where `jump` may forward to: each host's address, port 22. */
  readonly permitOpen: readonly string[];
}

/** The bastion: sshd for one user, `jump`, who may only forward TCP to the hosts' port 22. */
export function bastionBootScript(b: BastionBootInput): string {
  return [
    "#!/bin/sh",
    "# Boot of the lab's bastion",
    "set -eu",
    ...mounts(b.dir, false),
    "hostname bastion",
    "echo '127.0.1.1 bastion' >> /etc/hosts",
    ...addUsers([{ name: JUMP_USER, uid: 2002 }], b.authorizedKey),
    ...hostKeyFiles(b.hostPrivateKey, b.hostPublicKey),
    put(
      "/etc/ssh/sshd_config",
      sshdConfig(b.address, [
        "AllowTcpForwarding no",
        "PermitTTY no",
        `Match User ${JUMP_USER}`,
        "  AllowTcpForwarding local",
        `  PermitOpen ${b.permitOpen.join(" ")}`,
        "  ForceCommand /usr/sbin/nologin",
      ]),
      "0644",
    ),
    "echo READY",
    "exec /usr/sbin/sshd -D -E /var/log/sshd.log",
    "",
  ].join("\n");
}
