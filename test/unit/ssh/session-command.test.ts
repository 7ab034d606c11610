import { EventEmitter } from "node:events";
import type { Client } from "ssh2";
import { describe, expect, it } from "vitest";
import { Ssh2Session } from "../../../lib/ssh/session";

// Stands in for ssh2's Client: records each command line and answers with an exit status.
class FakeClient extends EventEmitter {
  readonly commands: string[] = [];
  readonly stdins: string[] = [];
  exec(command: string, cb: (err: Error | undefined, stream: unknown) => void): this {
    this.commands.push(command);
    const stream = Object.assign(new EventEmitter(), {
      stderr: new EventEmitter(),
      end: (data?: string | Buffer) => {
        this.stdins.push(data === undefined ? "" : String(data));
        setImmediate(() => {
          stream.emit("data", Buffer.from("out"));
          stream.emit("exit", 0);
          stream.emit("close");
        });
      },
      close: () => undefined,
    });
    setImmediate(() => cb(undefined, stream));
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

  it("prefixes sudo -n for a non-root user when the session or the call asks", async () => {
    const { client, s } = session("deploy", true);
    await s.exec(["chronyc", "reload", "sources"]);
    await s.exec(["id"], { sudo: false });
    expect(client.commands).toEqual(["sudo -n -- chronyc reload sources", "id"]);
  });

  it("never uses sudo as root", async () => {
    const { client, s } = session("root", true);
    await s.exec(["id"], { sudo: true });
    expect(client.commands).toEqual(["id"]);
  });

  it("wraps a command with a limit in timeout -s KILL, inside sudo", async () => {
    const { client, s } = session("deploy", true);
    await s.exec(["sleep", "1"], { timeoutMs: 1500 });
    expect(client.commands).toEqual(["sudo -n -- timeout -s KILL 1.5 sleep 1"]);
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
    expect(client.commands).toEqual(["sudo -n -- tee /etc/chrony/chrony.keys"]);
    expect(client.stdins).toEqual(["1 SHA1 HEX:ABCD"]);
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
