import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../errors";
import { parseConfText } from "../parse/parse-conf";
import { expandHome } from "../project";
import { connectSsh } from "../ssh/connect";
import { SshSession } from "../ssh/types";
import { HostLayout, HostSnapshot, SnapshotFile, SnapshotTarget } from "./host-snapshot";

/** `[USER@]HOST[:PORT]`, IPv6 in brackets when a port follows. */
export interface SshTargetArg {
  readonly user?: string;
  readonly host: string;
  readonly port?: number;
}

export function parseSshTarget(text: string): SshTargetArg {
  const m = /^(?:([A-Za-z_][A-Za-z0-9_.-]{0,31})@)?(?:\[([0-9A-Fa-f:.]+)\]|([^@:[\]\s]+))(?::(\d{1,5}))?$/.exec(text);
  const port = m?.[4] !== undefined ? Number(m[4]) : undefined;
  if (!m || (port !== undefined && (port < 1 || port > 65535))) {
    throw new UserError(`invalid SSH target '${text}': use [USER@]HOST[:PORT], e.g. root@ntp1.example.net:22 or [2001:db8::1]:2222`);
  }
  return { ...(m[1] ? { user: m[1] } : {}), host: m[2] ?? m[3], ...(port !== undefined ? { port } : {}) };
}

/** A sandbox host as recorded in sandbox.json (the fields the import uses). */
interface SandboxFileHost {
  readonly id: string;
  readonly address: string;
  readonly sshPort: number;
  readonly ntpPort: number;
  readonly cmdPort: number;
  readonly root: string;
}

export interface SshImportOptions {
  /** @default "root", or the target's USER@ */
  readonly user?: string;
  /** Private key file. @default - the ssh-agent */
  readonly identity?: string;
  /** @default ~/.ssh/known_hosts (or the sandbox's) */
  readonly knownHosts?: string;
  /** Accept and record the key of a host known_hosts does not list yet (a changed key is still refused). @default false */
  readonly trustOnFirstUse?: boolean;
  /** A `cdktf-chrony sandbox` folder: its hosts' roots, ports, controller key and known_hosts. */
  readonly sandboxDir?: string;
  /** @default "auto": /etc/chrony/chrony.conf is Debian's layout, /etc/chrony.conf RHEL's */
  readonly layout?: "auto" | "debian" | "rhel";
  readonly log?: (line: string) => void;
}

const FRAME = /^FILE (\S+) (.*)$/;

/** Reads files named by kind:pattern arguments, each framed and base64-encoded (so any bytes survive). */
const READ_SCRIPT = [
  "IFS=''",
  'emit() { printf \'FILE %s %s\\n\' "$1" "$2"; base64 < "$2"; echo END; }',
  'for arg in "$@"; do',
  "  kind=${arg%%:*}; pat=${arg#*:}",
  // IFS is empty: $pat is expanded as a glob, never split or evaluated.
  '  for f in $pat; do if [ -f "$f" ] && [ -r "$f" ]; then emit "$kind" "$f"; fi; done',
  "done",
].join("\n");

function parseFrames(stdout: string): Array<{ kind: string; file: SnapshotFile }> {
  const out: Array<{ kind: string; file: SnapshotFile }> = [];
  const lines = stdout.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = FRAME.exec(lines[i]);
    if (!m) continue;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "END"; i++) body.push(lines[i]);
    out.push({ kind: m[1], file: { path: m[2], text: Buffer.from(body.join(""), "base64").toString("utf8") } });
  }
  return out;
}

function readSandbox(dir: string): { hosts: SandboxFileHost[]; controller: { privateKeyPath: string; knownHostsPath: string } } {
  const file = path.join(dir, "sandbox.json");
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new UserError(
      `--sandbox ${dir}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): give the folder 'cdktf-chrony sandbox up --dir' made`,
    );
  }
}

/** The construct id for a host: its short hostname when usable, else one made of its address. */
function nameFor(hostname: string, address: string): string {
  const short = hostname.trim().split(".")[0];
  if (/^[A-Za-z][A-Za-z0-9-]{0,62}$/.test(short) && short !== "localhost") return short;
  return `host-${address.replace(/[^A-Za-z0-9]+/g, "-")}`.replace(/-+$/, "");
}

/**
 * Reads one host over SSH with the usual host-key check: chrony.conf, the files its confdir,
 * include and sourcedir lines name, chrony.keys (through sudo for a non-root user), and
 * `chronyd --version`. Two commands on one connection; nothing is written on the host.
 */
export async function readSshSnapshot(targetText: string, options: SshImportOptions): Promise<HostSnapshot> {
  const arg = parseSshTarget(targetText);
  const sandbox = options.sandboxDir !== undefined ? readSandbox(options.sandboxDir) : undefined;
  const sandboxHost = sandbox?.hosts.find((h) => h.address === arg.host && (arg.port === undefined || arg.port === h.sshPort));
  if (sandbox && !sandboxHost) {
    throw new UserError(
      `${targetText} is not a host of sandbox ${options.sandboxDir} (its hosts: ${sandbox.hosts.map((h) => `${h.address}:${h.sshPort}`).join(", ")})`,
    );
  }
  const user = arg.user ?? options.user ?? "root";
  const port = arg.port ?? sandboxHost?.sshPort ?? 22;
  const identity = options.identity ?? sandbox?.controller.privateKeyPath;
  const knownHosts = options.knownHosts ?? sandbox?.controller.knownHostsPath;
  const where = `${user}@${arg.host}:${port}`;
  const session = await connectSsh({
    host: arg.host,
    port,
    user,
    privateKeyPath: identity !== undefined ? expandHome(identity) : undefined,
    hostKey: { knownHostsPath: expandHome(knownHosts ?? "~/.ssh/known_hosts"), trustOnFirstUse: options.trustOnFirstUse ?? false },
    sudo: user !== "root",
    onHostKeyLearned: (e) =>
      options.log?.(`trusted on first use: ${e.keyType} key ${e.fingerprint} of ${e.host}:${e.port}, recorded in ${e.knownHostsPath}`),
  });
  try {
    return await readWith(session, {
      arg,
      where,
      target: {
        address: arg.host,
        port,
        user,
        ...(identity !== undefined ? { privateKeyPath: identity } : {}),
        ...(knownHosts !== undefined ? { knownHostsPath: knownHosts } : {}),
      },
      sandboxHost,
      layout: options.layout ?? "auto",
    });
  } finally {
    await session.close().catch(() => undefined);
  }
}

async function readWith(
  session: SshSession,
  ctx: { arg: SshTargetArg; where: string; target: SnapshotTarget; sandboxHost?: SandboxFileHost; layout: "auto" | "debian" | "rhel" },
): Promise<HostSnapshot> {
  const notes: string[] = [];
  const candidates = ctx.sandboxHost
    ? [`debian:${ctx.sandboxHost.root}/etc/chrony/chrony.conf`]
    : ctx.layout === "rhel"
      ? ["rhel:/etc/chrony.conf"]
      : ctx.layout === "debian"
        ? ["debian:/etc/chrony/chrony.conf"]
        : ["debian:/etc/chrony/chrony.conf", "rhel:/etc/chrony.conf"];
  const first = await session.execScript(
    `${READ_SCRIPT}\nprintf 'VERSION %s\\n' "$( (chronyd --version || /usr/sbin/chronyd --version) 2>/dev/null | head -n 1)"\nprintf 'HOSTNAME %s\\n' "$(hostname 2>/dev/null)"`,
    { args: candidates, timeoutMs: 60_000 },
  );
  if (first.code !== 0)
    throw new UserError(`${ctx.where}: reading chrony.conf failed: ${first.stderr.trim().split("\n").at(-1) || `exit ${first.code}`}`);
  const frames = parseFrames(first.stdout);
  const conf = frames[0];
  if (!conf) {
    throw new UserError(
      `${ctx.where}: no readable chrony.conf at ${candidates.map((c) => c.slice(c.indexOf(":") + 1)).join(" or ")}: is chrony installed, and may ${ctx.target.user} read it?`,
    );
  }
  const versionLine = /^VERSION (.*)$/m.exec(first.stdout)?.[1] ?? "";
  const version = /version (\d+\.\d+(?:\.\d+)?)/.exec(versionLine)?.[1];
  if (!version) notes.push(`could not run 'chronyd --version' on the host: assuming chrony 4.3`);
  const hostname = /^HOSTNAME (.*)$/m.exec(first.stdout)?.[1] ?? "";

  // The files chronyd reads because of chrony.conf.
  const lines = parseConfText(conf.file.text, conf.file.path).map((l) => l.directive);
  const patterns: string[] = [];
  for (const d of lines) {
    const name = d.name.toLowerCase();
    if (name === "include" && d.args[0]) patterns.push(`include:${d.args[0]}`);
    if (name === "confdir") patterns.push(...d.args.map((dir) => `include:${dir.replace(/\/+$/, "")}/*.conf`));
    if (name === "sourcedir") patterns.push(...d.args.map((dir) => `sources:${dir.replace(/\/+$/, "")}/*.sources`));
  }
  const keyfile = lines.filter((d) => d.name.toLowerCase() === "keyfile").at(-1)?.args[0];
  if (keyfile) patterns.push(`keys:${keyfile.replace(/[*?[]/g, "?")}`);
  const second = patterns.length > 0 ? await session.execScript(READ_SCRIPT, { args: patterns, timeoutMs: 60_000 }) : undefined;
  if (second && second.code !== 0)
    throw new UserError(
      `${ctx.where}: reading the files chrony.conf names failed: ${second.stderr.trim().split("\n").at(-1) || `exit ${second.code}`}`,
    );
  const files = second ? parseFrames(second.stdout) : [];
  const keys = files.find((f) => f.kind === "keys")?.file;
  if (keyfile && !keys) notes.push(`${keyfile} (keyfile) was not found or not readable: no keys imported`);

  const layout: HostLayout = ctx.sandboxHost
    ? {
        kind: "sandbox",
        layout: { root: ctx.sandboxHost.root, address: ctx.sandboxHost.address, ntpPort: ctx.sandboxHost.ntpPort, cmdPort: ctx.sandboxHost.cmdPort },
      }
    : { kind: conf.kind === "rhel" ? "rhel" : "debian" };
  return {
    name: ctx.sandboxHost ? ctx.sandboxHost.id : nameFor(hostname, ctx.arg.host),
    origin: `${ctx.where}:${conf.file.path}`,
    conf: conf.file,
    included: files.filter((f) => f.kind === "include").map((f) => f.file),
    sourceFiles: files.filter((f) => f.kind === "sources").map((f) => f.file),
    ...(keys ? { keys } : {}),
    chronyVersion: version ?? "4.3",
    layout,
    target: ctx.target,
    notes,
  };
}
