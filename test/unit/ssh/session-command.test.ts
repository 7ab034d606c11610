import { EventEmitter } from "node:events";
import type { Client } from "ssh2";
import { describe, expect, it } from "vitest";
import { isSshError } from "../../../lib/ssh/errors";
import { Ssh2Session } from "../../../lib/ssh/session";
import { SUDO_ENTRY, sudoersLine } from "../../../lib/ssh/sudo-entry";

const ENTRY = `sudo -n -- /bin/sh -c '${SUDO_ENTRY.replace(/'/g, "'\\''")}'`;

// Stands in for ssh2's Client: records each command line and answers with an exit status.
class FakeClient extends EventEmitter {
  readonly commands: string[] = [];
  readonly stdins: string[] = [];
  /** What the next command answers: stdout, stderr, exit code. */
  answer = { stdout: "out", stderr: "", code: 0 };
  /** Emit the exit status inside the exec callback, before the caller can resume (as ssh2 does when packets coalesce). */
  exitAtOnce = false;
  exec(command: string, cb: (err: Error | undefined, stream: unknown) => void): this {
    this.commands.push(command);
    const atOnce = this.exitAtOnce;
    let written = "";
    const { stdout, stderr, code } = this.answer;
    const stream = Object.assign(new EventEmitter(), {
      stderr: new EventEmitter(),
      writable: true,
      write: (data: string | Buffer) => {
        written += String(data);
      },
      end: (data?: string | Buffer) => {
        this.stdins.push(written + (data === undefined ? "" : String(data)));
        setImmediate(() => {
          if (stdout) stream.emit("data", Buffer.from(stdout));
          if (stderr) stream.stderr.emit("data", Buffer.from(stderr));
          if (!atOnce) stream.emit("exit", code);
          stream.emit("close");
        });
      },
      close: () => undefined,
    });
    setImmediate(() => {
      cb(undefined, stream);
      if (atOnce) stream.emit("exit", code);
    });
    return this;
  }
  end(): void {
    setImmediate(() => this.emit("close"));
  }
  destroy(): void {}
}

function session(user: string, sudo: boolean) {
  const client = new FakeClient();
  const s = new Ssh2Session({
    client: client as unknown as Client,
    host: "h",
    port: 22,
    user,
    hostKeyFingerprint: "SHA256:x",
    sudo,
    maxChannels: 2,
  });
  return { client, s };
}

describe("Ssh2Session command lines", () => {
  it("quotes argv for the remote shell", async () => {
    const { client, s } = session("root", false);
    await s.exec(["printf", "%s", "a b", "$(id)", "it's"]);
    expect(client.commands).toEqual([`printf %s 'a b' '$(id)' 'it'\\''s'`]);
  });

  it("runs a non-root user's privileged command through the one sudo entry point, the command on stdin", async () => {
    const { client, s } = session("deploy", true);
    await s.exec(["chronyc", "reload", "sources"]);
    await s.exec(["id"], { sudo: false });
    expect(client.commands).toEqual([ENTRY, "id"]);
    expect(client.stdins).toEqual(["0 27\nexec chronyc reload sources", ""]);
  });

  it("gives the entry point a line sudoers accepts as written (= , : and \\ escaped)", () => {
    expect(sudoersLine("deploy")).toBe(
      'deploy ALL=(root) NOPASSWD: /bin/sh -c read -r t n && s\\=$(head -c "$n") && exec timeout -s KILL "$t" sh -c "$s"',
    );
  });

  it("never uses sudo as root", async () => {
    const { client, s } = session("root", true);
    await s.exec(["id"], { sudo: true });
    expect(client.commands).toEqual(["id"]);
  });

  it("wraps a command with a limit in timeout -s KILL; through sudo the limit travels on stdin", async () => {
    const { client, s } = session("deploy", true);
    await s.exec(["sleep", "1"], { timeoutMs: 1500 });
    await s.exec(["sleep", "1"], { timeoutMs: 1500, sudo: false });
    expect(client.commands).toEqual([ENTRY, "timeout -s KILL 1.5 sleep 1"]);
    expect(client.stdins[0]).toBe("1.5 12\nexec sleep 1");
  });

  it("sends a script on stdin, never in the command line", async () => {
    const { client, s } = session("root", false);
    await s.execScript("echo secret-material", { args: ["x y"] });
    expect(client.commands).toEqual(["sh -s -- 'x y'"]);
    expect(client.stdins).toEqual(["echo secret-material"]);
  });

  it("sends stdin as given, never in the command line", async () => {
    const { client, s } = session("deploy", true);
    await s.exec(["tee", "/etc/chrony/chrony.keys"], { stdin: "1 SHA1 HEX:ABCD" });
    expect(client.commands).toEqual([ENTRY]);
    expect(client.stdins).toEqual(["0 32\nexec tee /etc/chrony/chrony.keys1 SHA1 HEX:ABCD"]);
  });

  it("returns stdout, stderr and the exit code", async () => {
    const { s } = session("root", false);
    expect(await s.exec(["true"])).toEqual({ stdout: "out", stderr: "", code: 0 });
  });

  it("runs at most maxChannels commands at once", async () => {
    const { client, s } = session("root", false);
    const all = Promise.all([s.exec(["a"]), s.exec(["b"]), s.exec(["c"])]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.commands).toEqual(["a", "b"]);
    await all;
    expect(client.commands).toEqual(["a", "b", "c"]);
  });
});

describe("sudo refusals", () => {
  async function refused(stderr: string, code = 1, stdout = ""): Promise<string> {
    const { client, s } = session("deploy", true);
    client.answer = { stdout, stderr, code };
    try {
      await s.exec(["chronyc", "tracking"]);
    } catch (err) {
      if (isSshError(err) && err.code === "SUDO_REFUSED") return err.message;
      throw err;
    }
    return "not refused";
  }

  it("say in one line that nothing ran, and name the sudoers line to add", async () => {
    const message = await refused("sudo: a password is required\n");
    expect(message).toBe(
      `sudo on h:22 refused to run cdktf-chrony's command as root for deploy (sudo: a password is required); nothing was run: add this line with 'visudo -f /etc/sudoers.d/cdktf-chrony': ${sudoersLine("deploy")}`,
    );
    expect(await refused("Sorry, user deploy is not allowed to execute '/bin/sh -c x' as root on h.\n")).toContain("not allowed");
    expect(await refused("sudo: sorry, you must have a tty to run sudo\n")).toContain("'Defaults:deploy !requiretty'");
    expect(await refused("sh: 1: sudo: not found\n", 127)).toMatch(/^sudo is not installed on h:22 .*nothing was run: install it/);
  });

  it("are seen when sudo's exit status comes with the exec's confirmation", async () => {
    const { client, s } = session("deploy", true);
    client.answer = { stdout: "", stderr: "sudo: a password is required\n", code: 1 };
    client.exitAtOnce = true;
    await expect(s.exec(["true"])).rejects.toMatchObject({ code: "SUDO_REFUSED" });
    client.answer = { stdout: "ok", stderr: "", code: 3 };
    await expect(s.exec(["true"])).resolves.toEqual({ stdout: "ok", stderr: "", code: 3 });
  });

  it("leave the command's own failures alone", async () => {
    expect(await refused("sudo: a password is required\n", 1, "some output")).toBe("not refused");
    expect(await refused("506 Cannot talk to daemon\n", 1)).toBe("not refused");
  });
});
