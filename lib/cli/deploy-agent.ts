import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { CliIO } from "./command";

/**
 * The deploy agent: during `cdktf deploy`, Terraform starts one `cdktf-chrony apply` process per
 * host. Each used to load node, our modules and ssh2 afresh and run the SSH handshake in cold code
 * (most of the controller's CPU per host). Instead, the first of them starts an agent, and every
 * provisioner hands its apply to it over a Unix socket and relays the output: one process keeps
 * the code loaded and hot for the whole deploy. The agent exits when it has been idle a while.
 *
 * This file is the client side, kept to node's own modules: it runs in every provisioner before
 * anything else loads. The agent (deploy-agent-server.ts) runs the same `apply` command.
 *
 * One agent per (CLI, node, working folder, environment): provisioners of one deploy share all
 * four, and an agent never runs an apply with another environment than its client's (key
 * variables, SSH agent, project folder). The socket is in a folder only this user can enter.
 * CDKTF_CHRONY_AGENT=off runs every apply in its own process, as before. If the agent cannot be
 * reached or started, the apply runs in this process.
 */

/** Bumped when the messages between client and agent change. */
export const AGENT_PROTOCOL = 1;
export const AGENT_ENV = "CDKTF_CHRONY_AGENT";
/** How long a new agent has to start listening. */
const START_WAIT_MS = 5_000;
/** Unix socket paths are limited to 107 bytes on Linux. */
const MAX_SOCKET_PATH = 100;

/** One message from the agent: output for stdout ("o") or stderr ("e"), or the exit code ("x"). */
export type AgentMessage = { readonly o: string } | { readonly e: string } | { readonly x: number };

/** What a client sends: the apply's arguments, and what the agent must match. */
export interface AgentRequest {
  readonly protocol: number;
  readonly argv: readonly string[];
}

/** The folder of this user's agent sockets: created 0700, and refused unless it is ours and private. */
function socketDir(): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const dir = path.join(os.tmpdir(), `cdktf-chrony-agent-${uid}`);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") return undefined;
  }
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!st || !st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) return undefined;
  return dir;
}

/** The socket of the agent for this CLI, node, working folder and environment. */
export function agentSocket(cliFile: string): string | undefined {
  const dir = socketDir();
  if (!dir) return undefined;
  const env = Object.entries(process.env)
    .filter(([name]) => name !== "_" && name !== "SHLVL" && name !== "OLDPWD")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const key = createHash("sha256")
    .update(JSON.stringify([AGENT_PROTOCOL, process.execPath, cliFile, process.cwd(), env]))
    .digest("hex")
    .slice(0, 24);
  const socket = path.join(dir, `${key}.sock`);
  return socket.length <= MAX_SOCKET_PATH ? socket : undefined;
}

function connect(socket: string): Promise<net.Socket | undefined> {
  return new Promise((resolve) => {
    const conn = net.connect(socket);
    conn.once("connect", () => resolve(conn));
    conn.once("error", () => {
      conn.destroy();
      resolve(undefined);
    });
  });
}

/** Where the agent of `socket` writes what it prints (only an agent that failed prints anything). */
export function agentLogFile(socket: string): string {
  return socket.replace(/\.sock$/, ".log");
}

/** Starts an agent for `socket` in the background, detached, with this process's environment and folder. */
function startAgent(cliFile: string, socket: string): void {
  const log = fs.openSync(agentLogFile(socket), "a", 0o600);
  const child = spawn(process.execPath, [cliFile, "__agent", socket], {
    detached: true,
    stdio: ["ignore", log, log],
    env: process.env,
    cwd: process.cwd(),
  });
  child.unref();
  fs.closeSync(log);
}

async function reachAgent(cliFile: string, socket: string): Promise<net.Socket | undefined> {
  const running = await connect(socket);
  if (running) return running;
  startAgent(cliFile, socket);
  const deadline = Date.now() + START_WAIT_MS;
  for (let wait = 10; Date.now() < deadline; wait = Math.min(wait * 2, 200)) {
    await new Promise((r) => setTimeout(r, wait));
    const started = await connect(socket);
    if (started) return started;
  }
  return undefined;
}

/**
 * Runs `apply ARGV` in the deploy agent and relays its output; the agent's exit code, or
 * undefined when this process should run the apply itself (agent off, unreachable, or refused).
 */
export async function applyThroughAgent(argv: readonly string[], io: CliIO, cliFile: string): Promise<number | undefined> {
  if (process.env[AGENT_ENV] === "off") return undefined;
  // A bundle that is not there: the apply fails at once, here, with the usual message.
  const bundle = argv.find((a, i) => a.endsWith(".jsonl") && !a.startsWith("-") && argv[i - 1] !== "--host");
  if (bundle === undefined || !fs.existsSync(bundle)) return undefined;
  const socket = agentSocket(cliFile);
  if (!socket) return undefined;
  const conn = await reachAgent(cliFile, socket);
  if (!conn) return undefined;
  return new Promise<number | undefined>((resolve) => {
    let buffered = "";
    let code: number | undefined;
    let answered = false;
    conn.setEncoding("utf8");
    conn.on("data", (chunk: string) => {
      answered = true;
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const message = JSON.parse(buffered.slice(0, nl)) as AgentMessage;
        buffered = buffered.slice(nl + 1);
        if ("o" in message) io.stdout(message.o);
        else if ("e" in message) io.stderr(message.e);
        else code = message.x;
      }
    });
    conn.on("error", () => undefined);
    conn.on("close", () => {
      if (code !== undefined) return resolve(code);
      // Nothing came back: the agent refused or died at once; nothing was done, run it here.
      if (!answered) return resolve(undefined);
      io.stderr(
        `cdktf-chrony apply: the deploy agent (${socket}) stopped before the apply finished: run cdktf deploy again, or set ${AGENT_ENV}=off\n`,
      );
      resolve(1);
    });
    // The bundle by its absolute path: the agent may have started in an earlier copy of this folder.
    const absolute = argv.map((a) => (a === bundle ? path.resolve(a) : a));
    const request: AgentRequest = { protocol: AGENT_PROTOCOL, argv: absolute };
    conn.write(`${JSON.stringify(request)}\n`);
  });
}
