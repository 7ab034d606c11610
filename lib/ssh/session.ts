import type { Client, ClientChannel } from "ssh2";
import { SshError } from "./errors";
import { displayHostPort } from "./host-key-verifier";
import { Semaphore } from "./semaphore";
import { shellJoin } from "./shell-quote";
import { sudoCommandLine, sudoEntryHeader, sudoRefusal } from "./sudo-entry";
import type { ExecOptions, ExecResult, RunningCommand, ScriptOptions, SshSession, StartOptions } from "./types";

export interface SessionInit {
  readonly client: Client;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly hostKeyFingerprint: string;
  readonly sudo: boolean;
  readonly maxChannels: number;
  /** Runs once the connection is closed by `close()`: e.g. closes the jump hosts it went through. */
  readonly afterClose?: () => Promise<void>;
}

/** `SshSession` over one connected ssh2 `Client`. */
export class Ssh2Session implements SshSession {
  public readonly host: string;
  public readonly port: number;
  public readonly user: string;
  public readonly hostKeyFingerprint: string;
  private readonly client: Client;
  private readonly sudoByDefault: boolean;
  private readonly channels: Semaphore;
  private closed = false;
  private lastError: string | undefined;
  private readonly closedPromise: Promise<void>;
  private readonly afterClose?: () => Promise<void>;

  constructor(init: SessionInit) {
    this.client = init.client;
    this.host = init.host;
    this.port = init.port;
    this.user = init.user;
    this.hostKeyFingerprint = init.hostKeyFingerprint;
    this.sudoByDefault = init.sudo;
    this.channels = new Semaphore(init.maxChannels);
    this.afterClose = init.afterClose;
    this.closedPromise = new Promise((resolve) => {
      this.client.on("close", () => {
        this.closed = true;
        resolve();
      });
    });
    this.client.on("end", () => {
      this.closed = true;
    });
    this.client.on("error", (err: Error) => {
      this.lastError = err.message;
    });
  }

  private get where(): string {
    return displayHostPort(this.host, this.port);
  }

  private lostError(): SshError {
    const why = this.lastError ? `: ${this.lastError}` : "";
    return new SshError("CONNECTION_LOST", `SSH connection to ${this.where} is closed${why}: connect again`);
  }

  private usesSudo(sudo: boolean | undefined): boolean {
    return (sudo ?? this.sudoByDefault) && this.user !== "root";
  }

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return this.start(argv, options).then((running) => {
      running.end(options.stdin);
      return running.done;
    });
  }

  execScript(script: string, options: ScriptOptions = {}): Promise<ExecResult> {
    const argv = ["sh", "-s", "--", ...(options.args ?? [])];
    return this.exec(argv, { stdin: script, sudo: options.sudo, timeoutMs: options.timeoutMs });
  }

  async start(argv: readonly string[], options: StartOptions = {}): Promise<RunningCommand> {
    const timeoutMs = options.timeoutMs !== undefined && options.timeoutMs > 0 ? options.timeoutMs : undefined;
    const sudo = this.usesSudo(options.sudo);
    // OpenSSH refuses signal requests on root sessions ("session signalling requires privilege
    // separation"), so the host itself enforces the limit: coreutils `timeout` kills the command's
    // whole process group. Through sudo, the command and its limit travel on stdin to the one fixed
    // entry point (see sudo-entry.ts), so the sudoers rule is a single exact line.
    const command = sudo ? sudoCommandLine() : shellJoin(timeoutMs === undefined ? argv : ["timeout", "-s", "KILL", `${timeoutMs / 1000}`, ...argv]);
    const program = argv[0] ?? "";
    // The slot is held until the channel is really closed, which for a killed command may be after
    // the promise has settled: the server still counts the channel until then.
    const release = await this.channels.acquire();
    let stream: ClientChannel;
    let status: ExitStatus;
    try {
      ({ stream, status } = await this.openChannel(command, program));
    } catch (err) {
      release();
      throw err;
    }
    if (sudo) stream.write(sudoEntryHeader(argv, timeoutMs));
    const done = new Promise<ExecResult>((resolve, reject) => {
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let partial = "";
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      stream.on("data", (chunk: Buffer) => {
        stdout.push(chunk);
        if (options.onLine) {
          const text = partial + chunk.toString("utf8");
          const lines = text.split("\n");
          partial = lines.pop()!;
          for (const line of lines) options.onLine(line);
        }
      });
      stream.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      stream.on("error", () => {
        // Reported through "close" below; a channel error alone must not crash the process.
      });
      const started = Date.now();
      const timeoutError = () => new SshError("EXEC_TIMEOUT", `'${program}' on ${this.where} did not finish within ${timeoutMs} ms and was killed`);
      stream.on("close", () => {
        release();
        if (timer) clearTimeout(timer);
        if (settled) return;
        settled = true;
        if (partial !== "" && options.onLine) options.onLine(partial);
        const { exited, code, signal } = status;
        if (!exited && this.closed) return reject(this.lostError());
        const refused = sudo
          ? sudoRefusal(code, stdout.length === 0, Buffer.concat(stderr).toString("utf8"), { where: this.where, user: this.user })
          : undefined;
        if (refused) return reject(refused);
        // The host's `timeout` may fire a moment before the timer here: same outcome.
        if (timeoutMs !== undefined && code === KILLED_BY_TIMEOUT && Date.now() - started >= timeoutMs) {
          return reject(timeoutError());
        }
        resolve({
          stdout: Buffer.concat(stdout).toString("utf8"),
          stderr: Buffer.concat(stderr).toString("utf8"),
          code,
          ...(signal !== undefined ? { signal } : {}),
        });
      });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          settled = true;
          stream.close();
          reject(timeoutError());
        }, timeoutMs);
      }
    });
    // A rejection nobody awaited yet (the caller may still be writing) must not crash the process.
    done.catch(() => undefined);
    let ended = false;
    return {
      write: (text) => {
        if (!ended && stream.writable) stream.write(text);
      },
      end: (text) => {
        if (ended) return;
        ended = true;
        if (text === undefined) stream.end();
        else stream.end(text);
      },
      done,
    };
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.client.end();
      // A server that never answers the disconnect must not hang the caller.
      const timer = setTimeout(() => this.client.destroy(), 2000);
      await this.closedPromise;
      clearTimeout(timer);
    }
    await this.afterClose?.();
  }

  private async openChannel(command: string, program: string): Promise<{ stream: ClientChannel; status: ExitStatus }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await new Promise<{ stream: ClientChannel; status: ExitStatus }>((resolve, reject) => {
          if (this.closed) return reject(this.lostError());
          this.client.exec(command, (err, stream) => {
            if (err) return reject(err);
            // Listen now: a command that exits at once (sudo refusing, say) can have its exit status
            // in the same packets as the exec's confirmation, emitted before an awaiting caller resumes.
            const status: ExitStatus = { exited: false, code: null };
            stream.on("exit", (exitCode: number | null, exitSignal?: string) => {
              status.exited = true;
              status.code = exitCode ?? null;
              status.signal = exitSignal ?? undefined;
            });
            resolve({ stream, status });
          });
        });
      } catch (err) {
        if (this.closed) throw this.lostError();
        // sshd frees a session slot a moment after the client sees the channel close, so a burst of
        // commands can briefly exceed its MaxSessions: wait and try again.
        const busy = /open failed/i.test((err as Error).message);
        if (!busy || attempt >= OPEN_ATTEMPTS) {
          throw new SshError("EXEC_FAILED", `cannot start '${program}' on ${this.where}: ${(err as Error).message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  }
}

interface ExitStatus {
  exited: boolean;
  code: number | null;
  signal?: string;
}

const OPEN_ATTEMPTS = 6;
// Exit status of `timeout -s KILL` when it killed the command: 128 + SIGKILL.
const KILLED_BY_TIMEOUT = 137;
