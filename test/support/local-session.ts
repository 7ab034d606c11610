import { spawn, type ChildProcess } from "node:child_process";
import { SshError } from "../../lib/ssh/errors";
import type { ExecOptions, ExecResult, RunningCommand, ScriptOptions, SshSession, StartOptions } from "../../lib/ssh/types";

/**
 * An SshSession whose "host" is this machine: commands run as local processes, each in its own
 * process group (killed as a group on timeout, as the host's `timeout -s KILL` does). The remote
 * programs' unit tests run the real controller code and the real shell programs through it, with
 * stub chronyd, chronyc and service commands, without sshd or root.
 *
 * `cut()` drops the "connection" the way a dead controller or a cut link looks from the host: the
 * command's stdin reaches EOF and its stdout is closed, while the process goes on.
 */
export class LocalSession implements SshSession {
  public readonly host = "localhost";
  public readonly port = 22;
  public readonly user = "local";
  public readonly hostKeyFingerprint = "SHA256:local";
  private readonly children = new Set<ChildProcess>();
  /** Settles when every command started here has exited (a cut command keeps running on its own). */
  public readonly exits: Array<Promise<void>> = [];

  /** `env`: the environment of the commands (a fake host's, with its stubs first on PATH). */
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const running = await this.start(argv, options);
    running.end(options.stdin);
    return running.done;
  }

  execScript(script: string, options: ScriptOptions = {}): Promise<ExecResult> {
    return this.exec(["sh", "-s", "--", ...(options.args ?? [])], { stdin: script, timeoutMs: options.timeoutMs });
  }

  async start(argv: readonly string[], options: StartOptions = {}): Promise<RunningCommand> {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "pipe"], detached: true, env: this.env });
    this.children.add(child);
    const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
    this.exits.push(exited);
    let cut = false;
    const done = new Promise<ExecResult>((resolve, reject) => {
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let partial = "";
      let timer: NodeJS.Timeout | undefined;
      child.stdout!.on("data", (chunk: Buffer) => {
        if (cut) return;
        stdout.push(chunk);
        const lines = (partial + chunk.toString("utf8")).split("\n");
        partial = lines.pop()!;
        for (const line of lines) if (!cut) options.onLine?.(line);
      });
      child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk));
      child.stdin!.on("error", () => undefined);
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          killGroup(child, "SIGKILL");
          reject(new SshError("EXEC_TIMEOUT", `'${argv[0]}' on localhost did not finish within ${options.timeoutMs} ms and was killed`));
        }, options.timeoutMs);
      }
      this.cutters.set(child, () => {
        cut = true;
        if (timer) clearTimeout(timer);
        child.stdin!.destroy();
        child.stdout!.destroy();
        reject(new SshError("CONNECTION_LOST", "SSH connection to localhost is closed: connect again"));
      });
      child.once("close", (code, signal) => {
        if (timer) clearTimeout(timer);
        this.children.delete(child);
        if (cut) return;
        if (partial !== "") options.onLine?.(partial);
        resolve({
          stdout: Buffer.concat(stdout).toString("utf8"),
          stderr: Buffer.concat(stderr).toString("utf8"),
          code,
          ...(signal ? { signal } : {}),
        });
      });
    });
    done.catch(() => undefined);
    return {
      write: (text) => {
        if (!cut && child.stdin!.writable) child.stdin!.write(text);
      },
      end: (text) => {
        if (cut || !child.stdin!.writable) return;
        if (text === undefined) child.stdin!.end();
        else child.stdin!.end(text);
      },
      done,
    };
  }

  private readonly cutters = new Map<ChildProcess, () => void>();

  /** Drops the connection under every running command (they go on without a controller). */
  cut(): void {
    for (const c of this.cutters.values()) c();
    this.cutters.clear();
  }

  async close(): Promise<void> {
    // Like an SSH disconnect: the commands lose their controller but are not killed.
    this.cut();
  }

  /** Waits for every command started here to exit (bounded by the test's own timeout). */
  async settled(): Promise<void> {
    await Promise.all(this.exits);
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
