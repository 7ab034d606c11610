import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expandHome } from "../project";
import { SshError } from "./errors";
import { SYSTEM_KNOWN_HOSTS } from "./host-key-verifier";
import type { HostKeyPolicy, SshHop } from "./types";
import { globToRegExp } from "./glob-pattern";

/**
 * The part of OpenSSH's client configuration (`~/.ssh/config`, ssh_config(5)) that cdktf-chrony
 * honours: HostName, User, Port, IdentityFile, ProxyJump, UserKnownHostsFile, GlobalKnownHostsFile
 * and StrictHostKeyChecking, in `Host` blocks, `Match all` / `Match host` / `Match originalhost`
 * blocks and `Include`d files. As in OpenSSH, the first value obtained for a keyword wins.
 * Other keywords are ignored; ProxyCommand is refused (use ProxyJump).
 */

/** A `[user@]host[:port]` of a ProxyJump line. */
export interface JumpSpec {
  readonly host: string;
  readonly user?: string;
  readonly port?: number;
}

/** What the config says for one destination (values as written, before token expansion). */
export interface SshConfigValues {
  readonly hostName?: string;
  readonly user?: string;
  readonly port?: string;
  readonly identityFiles: readonly string[];
  readonly proxyJump?: string;
  readonly proxyCommand?: string;
  readonly userKnownHostsFile?: string;
  readonly globalKnownHostsFile?: string;
  readonly strictHostKeyChecking?: string;
}

interface Entry {
  readonly keyword: string;
  readonly args: readonly string[];
  readonly where: string;
}

type Condition =
  { readonly kind: "all" } | { readonly kind: "host"; readonly patterns: readonly string[] } | { readonly kind: "never"; readonly why: string };

interface Block {
  readonly condition: Condition;
  readonly entries: Entry[];
}

/** Splits a line into words: `keyword value`, `keyword=value`, "double quotes", a `#` word ends it. */
function words(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length || line[i] === "#") break;
    let word = "";
    if (line[i] === '"') {
      const end = line.indexOf('"', i + 1);
      word = end < 0 ? line.slice(i + 1) : line.slice(i + 1, end);
      i = end < 0 ? line.length : end + 1;
    } else {
      while (i < line.length && !/\s/.test(line[i]) && !(out.length === 0 && line[i] === "=")) word += line[i++];
    }
    out.push(word);
    // "Keyword=value" and "Keyword = value": the first '=' after the keyword separates.
    if (out.length === 1) {
      while (i < line.length && /\s/.test(line[i])) i++;
      if (line[i] === "=") i++;
    }
  }
  return out;
}

/** A `Host` pattern list: any positive match, and no `!negated` one. */
export function hostPatternsMatch(patterns: readonly string[], host: string): boolean {
  let positive = false;
  for (const raw of patterns.flatMap((p) => p.split(","))) {
    if (raw === "") continue;
    const negated = raw.startsWith("!");
    if (!globToRegExp(negated ? raw.slice(1) : raw).test(host)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

function matchCondition(args: readonly string[]): Condition {
  const criteria = args.map((a) => a.toLowerCase());
  if (criteria.length === 1 && criteria[0] === "all") return { kind: "all" };
  if (args.length === 2 && (criteria[0] === "host" || criteria[0] === "originalhost")) return { kind: "host", patterns: args[1].split(",") };
  return { kind: "never", why: `Match ${args.join(" ")}` };
}

async function globFiles(pattern: string): Promise<string[]> {
  const dir = path.dirname(pattern);
  const base = path.basename(pattern);
  if (!/[*?]/.test(base)) return [pattern];
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const re = globToRegExp(base);
  return names
    .filter((n) => re.test(n) && !n.startsWith("."))
    .sort()
    .map((n) => path.join(dir, n));
}

/** A parsed OpenSSH client config. */
export class SshConfig {
  /** Reads `file` and the files it `Include`s (relative ones from the file's folder, as `~/.ssh` for the user's config). */
  public static async load(file: string, options: { readonly optional?: boolean } = {}): Promise<SshConfig> {
    const blocks: Block[] = [{ condition: { kind: "all" }, entries: [] }];
    await SshConfig.read(path.resolve(expandHome(file)), blocks, 0, options.optional !== true);
    return new SshConfig(file, blocks);
  }

  /** Parses config text (no `Include`: it needs the file system). */
  public static parse(text: string, file = "ssh_config"): SshConfig {
    const blocks: Block[] = [{ condition: { kind: "all" }, entries: [] }];
    SshConfig.addLines(text, file, blocks, () => undefined);
    return new SshConfig(file, blocks);
  }

  private static async read(file: string, blocks: Block[], depth: number, mustExist: boolean): Promise<void> {
    let text: string;
    try {
      text = await fs.readFile(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && !mustExist) return;
      throw new SshError(
        "BAD_OPTIONS",
        `cannot read SSH config ${file}: ${code ?? (err as Error).message}: check the path (sshConfig, --ssh-config)`,
      );
    }
    const includes: Array<{ at: number; patterns: readonly string[] }> = [];
    SshConfig.addLines(text, file, blocks, (patterns) => includes.push({ at: blocks.length, patterns }));
    // Included files are read after their including file here; OpenSSH reads them in place. The
    // difference only matters for a keyword set both in the file after the Include and in the included file.
    for (const inc of includes) {
      if (depth >= 16) throw new SshError("BAD_OPTIONS", `SSH config ${file}: Include nested more than 16 deep`);
      for (const pattern of inc.patterns) {
        const full = path.isAbsolute(expandHome(pattern)) ? expandHome(pattern) : path.join(path.dirname(file), pattern);
        for (const f of await globFiles(full)) await SshConfig.read(f, blocks, depth + 1, false);
      }
    }
  }

  private static addLines(text: string, file: string, blocks: Block[], onInclude: (patterns: readonly string[]) => void): void {
    text.split(/\r?\n/).forEach((line, i) => {
      const [keyword, ...args] = words(line);
      if (keyword === undefined || keyword === "") return;
      const k = keyword.toLowerCase();
      const where = `${file} line ${i + 1}`;
      if (k === "host") blocks.push({ condition: { kind: "host", patterns: args }, entries: [] });
      else if (k === "match") blocks.push({ condition: matchCondition(args), entries: [] });
      else if (k === "include") onInclude(args);
      else blocks[blocks.length - 1].entries.push({ keyword: k, args, where });
    });
  }

  private constructor(
    public readonly file: string,
    private readonly blocks: readonly Block[],
  ) {}

  /** The values for `host` (as written on the command line or in the app: an alias or an address). */
  public lookup(host: string): SshConfigValues & { readonly skipped: readonly string[] } {
    const first = new Map<string, Entry>();
    const identityFiles: string[] = [];
    const skipped: string[] = [];
    for (const block of this.blocks) {
      const c = block.condition;
      if (c.kind === "never") {
        if (block.entries.length > 0) skipped.push(c.why);
        continue;
      }
      if (c.kind === "host" && !hostPatternsMatch(c.patterns, host)) continue;
      for (const e of block.entries) {
        if (e.keyword === "identityfile") identityFiles.push(...e.args);
        else if (!first.has(e.keyword)) first.set(e.keyword, e);
      }
    }
    const one = (k: string) => first.get(k)?.args.join(" ");
    return {
      hostName: one("hostname"),
      user: one("user"),
      port: one("port"),
      identityFiles,
      proxyJump: one("proxyjump"),
      proxyCommand: one("proxycommand"),
      userKnownHostsFile: one("userknownhostsfile"),
      globalKnownHostsFile: one("globalknownhostsfile"),
      strictHostKeyChecking: one("stricthostkeychecking")?.toLowerCase(),
      skipped,
    };
  }
}

/** `[user@]host[:port],...` as ProxyJump and `ssh -J` take it; IPv6 addresses in brackets. */
export function parseProxyJump(text: string, where: string): JumpSpec[] {
  return text.split(",").map((part) => {
    const m = /^(?:([^@\s]+)@)?(?:\[([^\]]+)\]|([^:@\s[\]]+))(?::(\d{1,5}))?$/.exec(part.trim());
    const port = m?.[4] !== undefined ? Number(m[4]) : undefined;
    if (!m || (port !== undefined && (port < 1 || port > 65535))) {
      throw new SshError("BAD_OPTIONS", `invalid '${part}' in ${where}: use [user@]host[:port] (jump hosts separated by commas)`);
    }
    return { host: m[2] ?? m[3], ...(m[1] ? { user: m[1] } : {}), ...(port !== undefined ? { port } : {}) };
  });
}

/** What ssh_config's %-tokens stand for, for one destination. */
interface Tokens {
  readonly host: string;
  readonly original: string;
  readonly user: string;
  readonly port: number;
}

/** ssh_config's %-tokens and `~` in a file name. */
function expandTokens(value: string, t: Tokens): string {
  const expanded = value.replace(/%(.)/g, (all, c: string) => {
    switch (c) {
      case "%":
        return "%";
      case "d":
        return os.homedir();
      case "u":
        return os.userInfo().username;
      case "h":
        return t.host;
      case "n":
        return t.original;
      case "r":
        return t.user;
      case "p":
        return String(t.port);
      default:
        return all;
    }
  });
  return expandHome(expanded);
}

/** A destination as the app or the command line gives it: only what was said explicitly. */
export interface Destination {
  readonly host: string;
  readonly port?: number;
  readonly user?: string;
  readonly privateKeyPath?: string;
  readonly hostKey?: HostKeyPolicy;
  readonly jump?: readonly SshHop[];
}

/** What a destination resolves to, ready for `connectSsh`. */
export interface ResolvedDestination extends SshHop {
  readonly port: number;
  readonly user: string;
  readonly hostKey: HostKeyPolicy;
  readonly jump: readonly SshHop[];
  /** Lines worth telling the user (a weaker config setting made stricter, a block not evaluated). */
  readonly notes: readonly string[];
}

/** Values used when neither the destination nor the config sets them. */
export interface DestinationDefaults {
  readonly port: number;
  readonly user: string;
  readonly privateKeyPath?: string;
  readonly hostKey: HostKeyPolicy;
}

const DEFAULT_IDENTITIES = ["~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa"];

async function firstExisting(files: readonly string[]): Promise<string | undefined> {
  for (const f of files) {
    try {
      await fs.access(f);
      return f;
    } catch {
      // next
    }
  }
  return undefined;
}

function hostKeyFromConfig(v: SshConfigValues, t: Tokens, fallback: HostKeyPolicy, notes: string[], who: string): HostKeyPolicy {
  const userFiles = v.userKnownHostsFile?.split(/\s+/).map((f) => expandTokens(f, t));
  const globalFiles = v.globalKnownHostsFile?.split(/\s+/).map((f) => expandTokens(f, t));
  const strict = v.strictHostKeyChecking;
  if (userFiles === undefined && globalFiles === undefined && strict === undefined) return fallback;
  let trustOnFirstUse = fallback.trustOnFirstUse === true;
  if (strict === "accept-new") trustOnFirstUse = true;
  if (strict === "yes" || strict === "ask") trustOnFirstUse = false;
  if (strict === "no" || strict === "off") {
    trustOnFirstUse = true;
    notes.push(
      `${who}: StrictHostKeyChecking ${strict} in the SSH config is treated as accept-new: cdktf-chrony always checks host keys (an unknown key is recorded, a changed one refused)`,
    );
  }
  const primary = userFiles?.[0] ?? fallback.knownHostsPath ?? expandHome("~/.ssh/known_hosts");
  return {
    knownHostsPath: primary,
    trustOnFirstUse,
    extraKnownHostsPaths: [...(userFiles?.slice(1) ?? []), ...(globalFiles ?? fallback.extraKnownHostsPaths ?? SYSTEM_KNOWN_HOSTS)],
  };
}

async function identityFromConfig(v: SshConfigValues, t: Tokens, who: string): Promise<string | undefined> {
  if (v.identityFiles.length === 0) return undefined;
  const files = v.identityFiles.map((f) => expandTokens(f, t));
  const found = await firstExisting(files);
  if (found === undefined) {
    throw new SshError(
      "BAD_OPTIONS",
      `${who}: none of the IdentityFile(s) in the SSH config exists (${files.join(", ")}): fix the config or pass privateKeyPath`,
    );
  }
  return found;
}

/** As OpenSSH: the agent when there is one, else the first of the user's default keys. */
function defaultIdentity(): Promise<string | undefined> {
  if (process.env.SSH_AUTH_SOCK) return Promise.resolve(undefined);
  return firstExisting(DEFAULT_IDENTITIES.map(expandHome));
}

/**
 * A destination with the SSH config filled in where it said nothing: explicit values first, then
 * the config (first match wins, as in OpenSSH), then the defaults. ProxyJump hops are looked up in
 * the config too (the first hop's own ProxyJump is followed, as `ssh -J` does).
 */
export async function resolveDestination(
  dest: Destination,
  config: SshConfig | undefined,
  defaults: DestinationDefaults,
  depth = 0,
): Promise<ResolvedDestination> {
  const notes: string[] = [];
  const v = config?.lookup(dest.host) ?? { identityFiles: [], skipped: [] };
  const who = `SSH host ${dest.host}${config ? ` (${config.file})` : ""}`;
  for (const s of v.skipped) notes.push(`${who}: '${s}' blocks are not evaluated by cdktf-chrony; their settings are ignored`);
  if (v.proxyCommand !== undefined && v.proxyCommand.toLowerCase() !== "none" && dest.jump === undefined) {
    throw new SshError(
      "BAD_OPTIONS",
      `${who}: ProxyCommand is not supported ('${v.proxyCommand}'): use ProxyJump, or give the target's jump hosts in the app`,
    );
  }
  const original = dest.host;
  const host = v.hostName !== undefined ? v.hostName.replace(/%%|%h/g, (t) => (t === "%h" ? original : "%")) : original;
  let port = dest.port;
  if (port === undefined && v.port !== undefined) {
    port = Number(v.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new SshError("BAD_OPTIONS", `${who}: invalid Port '${v.port}' in the SSH config: use 1..65535`);
  }
  const resolvedPort = port ?? defaults.port;
  const user = dest.user ?? v.user ?? defaults.user;
  const tokens = { host, original, user, port: resolvedPort };
  const privateKeyPath =
    dest.privateKeyPath ??
    (config ? await identityFromConfig(v, tokens, who) : undefined) ??
    defaults.privateKeyPath ??
    (config ? await defaultIdentity() : undefined);
  const hostKey = dest.hostKey ?? hostKeyFromConfig(v, tokens, defaults.hostKey, notes, who);

  let jump: readonly SshHop[] = dest.jump ?? [];
  if (dest.jump === undefined && v.proxyJump !== undefined && v.proxyJump.toLowerCase() !== "none") {
    if (depth >= 8) throw new SshError("BAD_OPTIONS", `${who}: ProxyJump chains more than 8 deep (a loop?)`);
    // A jump host the config names no key for uses the target's, as app-declared jump hosts do.
    const resolved = await resolveJumpHosts(parseProxyJump(v.proxyJump, `the SSH config for ${dest.host}`), config, depth + 1, privateKeyPath);
    notes.push(...resolved.notes);
    jump = resolved.hops;
  }
  return { host, port: resolvedPort, user, ...(privateKeyPath !== undefined ? { privateKeyPath } : {}), hostKey, jump, notes };
}

/**
 * Jump hosts as ProxyJump or `ssh -J` name them, each looked up in the config (its HostName, User,
 * IdentityFile, known_hosts); the first one's own ProxyJump is followed.
 */
export async function resolveJumpHosts(
  specs: readonly JumpSpec[],
  config: SshConfig | undefined,
  depth = 0,
  fallbackIdentity?: string,
): Promise<{ hops: SshHop[]; notes: string[] }> {
  const hops: SshHop[] = [];
  const notes: string[] = [];
  for (const [i, spec] of specs.entries()) {
    // As OpenSSH: a jump host's user is the local user unless the config says otherwise.
    const hopDefaults: DestinationDefaults = {
      port: 22,
      user: os.userInfo().username,
      privateKeyPath: fallbackIdentity,
      hostKey: { knownHostsPath: expandHome("~/.ssh/known_hosts") },
    };
    const hop = await resolveDestination(
      { host: spec.host, port: spec.port, user: spec.user, ...(i > 0 ? { jump: [] } : {}) },
      config,
      hopDefaults,
      depth,
    );
    notes.push(...hop.notes);
    hops.push(...hop.jump, { host: hop.host, port: hop.port, user: hop.user, privateKeyPath: hop.privateKeyPath, hostKey: hop.hostKey });
  }
  return { hops, notes };
}

/** One `[user@]host[:port]` from the command line. */
export function parseSshDestination(text: string, what = "SSH target"): JumpSpec {
  if (text.includes(",")) throw new SshError("BAD_OPTIONS", `invalid ${what} '${text}': give one [user@]host[:port]`);
  return parseProxyJump(text, what)[0];
}

/** A destination as a command line gives it: `status --ssh`, `import --ssh`. */
export interface CommandLineDestination {
  /** `[user@]host[:port]`, or a Host alias of the SSH config. */
  readonly target: string;
  /** `--jump`: `[user@]host[:port]` hops separated by commas, as `ssh -J`. */
  readonly jump?: string;
  /** `--identity`: also used by jump hosts the config names no key for. */
  readonly identity?: string;
  /** `--known-hosts`: the destination's known_hosts file. */
  readonly knownHosts?: string;
  /** `--ssh-config`: a file, or "none". @default "~/.ssh/config", skipped when it does not exist */
  readonly sshConfig?: string;
  /** @default "root" */
  readonly defaultUser?: string;
}

/**
 * Connection options for a destination typed on the command line, read as `ssh` reads it: the
 * command line first, then ~/.ssh/config (HostName, User, ProxyJump...), then the defaults. Pass the
 * result (with `sudo`) to `connectSsh`. Notes are lines worth printing on stderr.
 */
export async function resolveCommandLineDestination(d: CommandLineDestination): Promise<ResolvedDestination> {
  const configPath = d.sshConfig ?? "~/.ssh/config";
  const config = configPath === "none" ? undefined : await SshConfig.load(configPath, { optional: d.sshConfig === undefined });
  const dest = parseSshDestination(d.target);
  const identity = d.identity !== undefined ? path.resolve(expandHome(d.identity)) : undefined;
  const jump = d.jump !== undefined ? await resolveJumpHosts(parseProxyJump(d.jump, "--jump"), config, 0, identity) : undefined;
  const resolved = await resolveDestination(
    {
      host: dest.host,
      port: dest.port,
      user: dest.user,
      privateKeyPath: identity,
      hostKey: d.knownHosts !== undefined ? { knownHostsPath: path.resolve(expandHome(d.knownHosts)) } : undefined,
      jump: jump?.hops,
    },
    config,
    { port: 22, user: d.defaultUser ?? "root", hostKey: { knownHostsPath: expandHome("~/.ssh/known_hosts") } },
  );
  return { ...resolved, notes: [...(jump?.notes ?? []), ...resolved.notes] };
}
