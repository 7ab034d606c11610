#!/usr/bin/env node
import * as fs from "node:fs";
import * as path from "node:path";
import { isUserError } from "../errors";
import { asksForHelp } from "./args";
import type { CliCommand, CliIO } from "./command";

// Commands load lazily: the provisioner starts this binary once per host, so `apply` must not pay
// for the code of `sandbox` or `inspect` (and `keygen` must not load ssh2).
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ command: CliCommand }> }> = {
  keygen: { summary: "generate a key line, as `chronyc keygen` does", load: () => import("./commands/keygen.js") },
  status: { summary: "tracking and sources of a chronyd, over the command protocol", load: () => import("./commands/status.js") },
  waitsync: {
    summary: "wait until chronyd is synchronised, as chronyc waitsync, on one host or a whole synth output",
    load: () => import("./commands/waitsync.js"),
  },
  inspect: { summary: "hosts in a synth output and their files (secrets redacted)", load: () => import("./commands/inspect.js") },
  apply: { summary: "apply one host manifest over SSH (what the provisioner runs)", load: () => import("./commands/apply.js") },
  plan: { summary: "per host: the files apply would change and the action it would take (read-only)", load: () => import("./commands/plan.js") },
  verify: { summary: "check deployed hosts: sources present, reachable, authenticated", load: () => import("./commands/verify.js") },
  drift: { summary: "compare hosts with what was deployed (exit 2 on drift)", load: () => import("./commands/drift.js") },
  keys: { summary: "keys per host: ID, type, fingerprint, source (never material)", load: () => import("./commands/keys.js") },
  import: { summary: "existing chrony.conf files or hosts → a cdktf app that reproduces them", load: () => import("./commands/import.js") },
  ca: {
    summary: "create the private NTS certificate authority of a project (its key stays in the key store)",
    load: () => import("./commands/ca.js"),
  },
  sandbox: { summary: "a local fleet of sshd + chronyd hosts on 127.0.0.x, for trying cdktf-chrony", load: () => import("./commands/sandbox.js") },
};

// From lib/cli (tests) the manifest is two folders up; from dist/lib/cli (the built binary), three.
function packageVersion(): string {
  for (const up of ["../..", "../../.."]) {
    const file = path.join(__dirname, up, "package.json");
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")).version;
  }
  return "unknown";
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    "usage: cdktf-chrony <command> [options]",
    "",
    "Manage chrony hosts declared with cdktf constructs.",
    "",
    "commands:",
    ...lines,
    "",
    "Run 'cdktf-chrony help <command>' (or '<command> --help') for a command's options.",
    "",
  ].join("\n");
}

function withNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stdout(usage());
    return 1;
  }
  if (name === "--help" || name === "-h") {
    io.stdout(usage());
    return 0;
  }
  if (name === "--version") {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  if (name === "help") return help(rest, io);
  if (name.startsWith("-")) {
    io.stderr(`cdktf-chrony: unknown option '${name}': put options after the command; run 'cdktf-chrony --help' for the list\n`);
    return 1;
  }
  // The deploy agent (lib/cli/deploy-agent.ts): started by a provisioner, never by people.
  if (name === "__agent" && rest.length === 1) {
    await (await import("./deploy-agent-server.js")).serveAgent(rest[0]);
    return 0;
  }
  // What each push resource's provisioner runs: handed to the deploy's agent when there is one.
  // (Only from the built CLI: the agent is started as `node main.js`.)
  if (name === "apply" && isProvisionerApply(rest) && __filename.endsWith(".js")) {
    const code = await (await import("./deploy-agent.js")).applyThroughAgent(rest, io, __filename);
    if (code !== undefined) return code;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    io.stderr(`cdktf-chrony: unknown command '${name}': run 'cdktf-chrony --help' for the list\n`);
    return 1;
  }
  const { command } = await entry.load();
  if (asksForHelp(rest)) {
    io.stdout(withNewline(command.help));
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (isUserError(err)) {
      io.stderr(`cdktf-chrony ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

/** `apply --host ID chrony-hosts.jsonl` (in any order), as a push resource runs it, and nothing else. */
function isProvisionerApply(args: readonly string[]): boolean {
  return args.length === 3 && args.some((a) => a.endsWith(".jsonl") && !a.startsWith("-")) && args.includes("--host") && !asksForHelp(args);
}

/** `cdktf-chrony help [COMMAND]`: the list of commands, or one command's help. */
async function help(args: readonly string[], io: CliIO): Promise<number> {
  const [name, ...extra] = args;
  if (name === undefined) {
    io.stdout(usage());
    return 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry || extra.length > 0) {
    const problem = entry ? `too many arguments: '${extra.join(" ")}'` : `unknown command '${name}'`;
    io.stderr(`cdktf-chrony help: ${problem}: use 'cdktf-chrony help COMMAND' with one of ${Object.keys(COMMANDS).join(", ")}\n`);
    return 1;
  }
  io.stdout(withNewline((await entry.load()).command.help));
  return 0;
}

/**
 * Runs the CLI as this process: output to stdout and stderr, the exit code as the process's. What
 * the `cdktf-chrony` binary does, and what `require("cdktf-chrony/cli")` does for the provisioner.
 */
export function runAsProcess(argv: readonly string[]): void {
  const io: CliIO = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  };
  main(argv, io).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // Not a user mistake: a bug or an unexpected failure. Say so plainly and keep the detail.
      process.stderr.write(`cdktf-chrony: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) runAsProcess(process.argv.slice(2));
