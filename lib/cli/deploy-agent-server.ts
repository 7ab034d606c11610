import * as fs from "node:fs";
import * as net from "node:net";
import { connectHost, type HostConnector } from "../deploy/connect-host";
import { isUserError } from "../errors";
import type { SshSession } from "../ssh/types";
import type { CliIO } from "./command";
import { runApply } from "./commands/apply";
import { AGENT_PROTOCOL, agentLogFile, type AgentMessage, type AgentRequest } from "./deploy-agent";

/** The agent exits after this long without a client. */
const IDLE_MS = 30_000;

/**
 * The deploy agent's side (see deploy-agent.ts): listens on `socket` and runs each client's apply
 * here, many at once, relaying its output. When a client goes away before its apply is done (the
 * provisioner was killed, Terraform interrupted), the apply's SSH session is closed, as if this
 * process had died: the host notices and rolls back. Exits after IDLE_MS without clients, or on
 * SIGTERM, removing its socket (and its log when empty).
 */
export async function serveAgent(socket: string): Promise<void> {
  const server = net.createServer((conn) => handle(conn));
  if (!(await listen(server, socket))) return;
  let clients = 0;
  let idle: NodeJS.Timeout | undefined;
  // Idle, or told to stop: the socket goes, and the log unless the agent printed something.
  const stop = () => {
    server.close();
    fs.rmSync(socket, { force: true });
    removeIfEmpty(agentLogFile(socket));
  };
  // Stopped with SIGTERM, it still dies at once (its applies' sessions drop and the hosts roll back).
  process.once("SIGTERM", () => {
    stop();
    process.exit(143);
  });
  const arm = () => {
    idle = setTimeout(stop, IDLE_MS);
  };
  server.on("connection", (conn) => {
    clients++;
    if (idle) clearTimeout(idle);
    conn.on("close", () => {
      if (--clients === 0) arm();
    });
  });
  arm();
  await new Promise((resolve) => server.on("close", resolve));
}

/** The agent's log, when it holds nothing worth keeping: one per project and environment would pile up. */
function removeIfEmpty(file: string): void {
  if (fs.statSync(file, { throwIfNoEntry: false })?.size === 0) fs.rmSync(file, { force: true });
}

/** Listens on `socket`, taking over a stale one; false when another agent already serves it. */
async function listen(server: net.Server, socket: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      server.once("error", resolve);
      server.listen(socket, () => resolve(undefined));
    });
    if (!error) {
      fs.chmodSync(socket, 0o600);
      return true;
    }
    if (error.code !== "EADDRINUSE") throw error;
    const alive = await new Promise<boolean>((resolve) => {
      const probe = net.connect(socket, () => {
        probe.destroy();
        resolve(true);
      });
      probe.once("error", () => resolve(false));
    });
    if (alive) return false;
    fs.rmSync(socket, { force: true });
  }
  return false;
}

function handle(conn: net.Socket): void {
  let buffered = "";
  let started = false;
  let gone = false;
  const sessions = new Set<SshSession>();
  const send = (m: AgentMessage) => {
    if (!gone) conn.write(`${JSON.stringify(m)}\n`);
  };
  conn.setEncoding("utf8");
  conn.on("error", () => undefined);
  conn.on("close", () => {
    gone = true;
    // The client went away mid-apply: drop the SSH connection, as a dead controller would.
    for (const s of sessions) void s.close().catch(() => undefined);
  });
  conn.on("data", (chunk: string) => {
    if (started) return;
    buffered += chunk;
    const nl = buffered.indexOf("\n");
    if (nl < 0) return;
    started = true;
    let request: AgentRequest;
    try {
      request = JSON.parse(buffered.slice(0, nl)) as AgentRequest;
    } catch {
      return void conn.end();
    }
    // Another version of the client: say nothing, and it runs the apply itself.
    if (request.protocol !== AGENT_PROTOCOL || !Array.isArray(request.argv)) return void conn.end();
    const io: CliIO = { stdout: (o) => send({ o }), stderr: (e) => send({ e }) };
    const connect: HostConnector = async (manifest, options) => {
      const session = await connectHost(manifest, options);
      sessions.add(session);
      if (gone) void session.close().catch(() => undefined);
      return session;
    };
    run(request.argv, io, connect).then((x) => {
      send({ x });
      conn.end();
    });
  });
}

async function run(argv: readonly string[], io: CliIO, connect: HostConnector): Promise<number> {
  try {
    return await runApply(argv, io, { connect });
  } catch (err) {
    if (isUserError(err)) {
      io.stderr(`cdktf-chrony apply: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr(`cdktf-chrony: internal error in the deploy agent: ${err instanceof Error ? err.stack : String(err)}\n`);
    return 1;
  }
}
