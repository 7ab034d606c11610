import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectSsh, isSshError, type HostKeyLearned, type SshConnectOptions, type SshSession } from "../../../lib/ssh";
import { startSandbox, type StartedSandbox } from "../../helpers/sandbox";

// 127.0.1.x: apart from the other integration files' sandboxes.
const FIRST_ADDRESS = "127.0.1.11";

let sandbox: StartedSandbox;
let scratch: string;

function hostPublicKey(id: string): string {
  const fields = readFileSync(path.join(sandbox.dir, "hosts", id, "sshd", "ssh_host_ed25519_key.pub"), "utf8").split(" ");
  return `${fields[0]} ${fields[1]}`;
}

function hostFingerprint(id: string): string {
  const out = execFileSync("ssh-keygen", ["-lf", path.join(sandbox.dir, "hosts", id, "sshd", "ssh_host_ed25519_key.pub")], { encoding: "utf8" });
  return out.split(" ")[1];
}

function sshdLog(id: string): string {
  return readFileSync(path.join(sandbox.dir, "hosts", id, "sshd", "sshd.log"), "utf8");
}

function options(id: string, extra: Partial<SshConnectOptions> = {}): SshConnectOptions {
  const host = sandbox.hosts.find((h) => h.id === id)!;
  return {
    host: host.address,
    port: host.sshPort,
    user: "root",
    privateKeyPath: sandbox.controller.privateKeyPath,
    hostKey: { knownHostsPath: sandbox.controller.knownHostsPath },
    readyTimeoutMs: 5000,
    ...extra,
  } as SshConnectOptions;
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (isSshError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error("expected the connection to be refused");
}

beforeAll(async () => {
  sandbox = await startSandbox({ hosts: 2, firstAddress: FIRST_ADDRESS });
  scratch = mkdtempSync(path.join(tmpdir(), "ssh-it-"));
});

afterAll(async () => {
  await sandbox?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("a session on a sandbox host", () => {
  let session: SshSession;
  beforeAll(async () => {
    session = await connectSsh(options("h1"));
  });
  afterAll(async () => {
    await session?.close();
  });

  it("runs a command as root and reports the verified host key", async () => {
    const r = await session.exec(["id", "-u"]);
    expect(r).toEqual({ stdout: "0\n", stderr: "", code: 0 });
    expect(session.hostKeyFingerprint).toBe(hostFingerprint("h1"));
  });

  it("returns a non-zero exit as a result, with both streams", async () => {
    const r = await session.exec(["sh", "-c", "echo out; echo err >&2; exit 3"]);
    expect(r).toEqual({ stdout: "out\n", stderr: "err\n", code: 3 });
  });

  it("reports a command killed by a signal", async () => {
    const r = await session.exec(["sh", "-c", "kill -TERM $$"]);
    expect(r.code).toBeNull();
    expect(r.signal).toBe("SIGTERM");
  });

  it("passes every argument literally: quotes, spaces, newlines, $() and globs", async () => {
    const marker = path.join(scratch, "pwned");
    const args = [`$(touch ${marker})`, "a b", "it's", 'say "hi"', "line1\nline2", "*", "$HOME", "`id`", ""];
    const r = await session.exec(["printf", "%s\\0", ...args]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\0").slice(0, -1)).toEqual(args);
    expect(existsSync(marker)).toBe(false);
  });

  it("sends stdin, text and binary", async () => {
    expect((await session.exec(["cat"], { stdin: "hello\nworld" })).stdout).toBe("hello\nworld");
    const big = Buffer.alloc(300_000, 7);
    expect((await session.exec(["wc", "-c"], { stdin: big })).stdout.trim()).toBe("300000");
  });

  it("closes stdin when none is given, so readers do not hang", async () => {
    expect(await session.exec(["cat"], { timeoutMs: 5000 })).toEqual({ stdout: "", stderr: "", code: 0 });
  });

  it("runs a script from stdin with positional arguments, keeping it out of the process list", async () => {
    const secret = "s3cr3t-in-script-body";
    const script = [
      `SECRET='${secret}'`,
      'printf "%s|" "$@"',
      "echo",
      // Every command line on the host: the script's text must not be in any of them.
      "for f in /proc/[0-9]*/cmdline; do tr '\\000' ' ' < \"$f\" 2>/dev/null; echo; done",
    ].join("\n");
    const r = await session.execScript(script, { args: ["a b", "$(nope)"] });
    expect(r.code).toBe(0);
    const [first, ...rest] = r.stdout.split("\n");
    expect(first).toBe("a b|$(nope)|");
    expect(rest.join("\n")).toContain("sh -s -- ");
    expect(rest.join("\n")).not.toContain(secret);
  });

  it("runs several commands concurrently on one connection", async () => {
    // A barrier: each command waits until all eight have started. Run one at a time, they would
    // each wait out their 10 s limit and report fewer than eight.
    const barrier = mkdtempSync(path.join(scratch, "barrier-"));
    const wait = 'touch "$1/$2"; i=0; while [ "$(ls "$1" | wc -l)" -lt 8 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; ls "$1" | wc -l';
    const together = await Promise.all(Array.from({ length: 8 }, (_, i) => session.exec(["sh", "-c", wait, "sh", barrier, String(i)])));
    expect(together.map((r) => r.stdout.trim())).toEqual(Array(8).fill("8"));
    // More commands than channels: the rest wait for a free channel instead of failing.
    const many = await Promise.all(Array.from({ length: 25 }, (_, i) => session.exec(["echo", String(i)])));
    expect(many.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
  });

  it("writes a file from stdin with a script's arguments, and reads it back", async () => {
    const file = path.join(sandbox.hosts[0].root, "etc/chrony/conf.d/written by test.conf");
    const content = "# it's $(not) expanded\nmakestep 1 3\n";
    // Content and path travel as data (stdin, an argument): neither is ever part of a command line.
    const install = 'umask 077; cat > "$1"; chmod 0640 "$1"; chown root:_chrony "$1"';
    expect(await session.exec(["sh", "-c", install, "sh", file], { stdin: content })).toEqual({ stdout: "", stderr: "", code: 0 });
    const st = statSync(file);
    expect(st.mode & 0o777).toBe(0o640);
    expect(st.uid).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(content);
    expect(await session.exec(["cat", "--", file])).toEqual({ stdout: content, stderr: "", code: 0 });
    const missing = await session.execScript('test -e "$1" || echo absent', { args: [`${file}.missing`] });
    expect(missing).toEqual({ stdout: "absent\n", stderr: "", code: 0 });
    rmSync(file);
  });

  it("kills a command that runs past its timeout, and the session stays usable", async () => {
    const r = await refusal(session.exec(["sh", "-c", "sleep 41; echo late", "sh"], { timeoutMs: 300 }));
    expect(r.code).toBe("EXEC_TIMEOUT");
    expect(r.message).toBe("'sh' on 127.0.1.11:2201 did not finish within 300 ms and was killed");
    // The whole process group is gone, the sleep included.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const ps = await session.exec(["sh", "-c", "ps -eo args | grep -c '^sleep 41$' || true"]);
    expect(ps.stdout.trim()).toBe("0");
    expect((await session.exec(["true"])).code).toBe(0);
  });

  it("runs as root without sudo even when sudo is asked for", async () => {
    expect((await session.exec(["id", "-u"], { sudo: true })).stdout).toBe("0\n");
  });
});

describe("host key checks", () => {
  it("accepts a pinned fingerprint", async () => {
    const s = await connectSsh(options("h2", { hostKey: { fingerprint: hostFingerprint("h2") } }));
    expect((await s.exec(["hostname"])).code).toBe(0);
    await s.close();
  });

  it("fails on a pinned fingerprint that does not match", async () => {
    const r = await refusal(connectSsh(options("h2", { hostKey: { fingerprint: hostFingerprint("h1") } })));
    expect(r.code).toBe("HOST_KEY_MISMATCH");
    expect(r.message).toContain(`expected ${hostFingerprint("h1")}, got ${hostFingerprint("h2")}`);
  });

  it("fails on an unknown host with the fix, before authenticating", async () => {
    const file = path.join(scratch, "only-h2");
    writeFileSync(file, `[127.0.1.12]:2202 ${hostPublicKey("h2")}\n`);
    const before = sshdLog("h1").length;
    const r = await refusal(connectSsh(options("h1", { hostKey: { knownHostsPath: file } })));
    expect(r.code).toBe("HOST_KEY_UNKNOWN");
    expect(r.message).toContain("127.0.1.11:2201");
    expect(r.message).toContain(hostFingerprint("h1"));
    expect(r.message).toContain(`ssh-keyscan -p 2201 127.0.1.11 >> ${file}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = sshdLog("h1").slice(before);
    expect(after).toMatch(/Disconnected from .* \[preauth\]/);
    expect(after).not.toMatch(/Accepted|Failed publickey|Postponed/);
  });

  it("fails on a changed host key with both fingerprints and the ssh-keygen -R fix", async () => {
    const file = path.join(scratch, "h1-with-h2-key");
    writeFileSync(file, `[127.0.1.11]:2201 ${hostPublicKey("h2")}\n`);
    const r = await refusal(connectSsh(options("h1", { hostKey: { knownHostsPath: file, trustOnFirstUse: true } })));
    expect(r.code).toBe("HOST_KEY_CHANGED");
    expect(r.message).toBe(
      `host key for 127.0.1.11:2201 CHANGED (expected ${hostFingerprint("h2")}, got ${hostFingerprint("h1")}): possible man-in-the-middle; if the host was reinstalled, remove the old line with \`ssh-keygen -R '[127.0.1.11]:2201' -f ${file}\``,
    );
    expect(readFileSync(file, "utf8")).toBe(`[127.0.1.11]:2201 ${hostPublicKey("h2")}\n`);
  });

  it("trusts on first use: appends exactly one line, and the next connection uses it", async () => {
    const file = path.join(scratch, "tofu");
    const learned: HostKeyLearned[] = [];
    const s1 = await connectSsh(
      options("h1", { hostKey: { knownHostsPath: file, trustOnFirstUse: true }, onHostKeyLearned: (e) => learned.push(e) }),
    );
    await s1.close();
    expect(readFileSync(file, "utf8")).toBe(`[127.0.1.11]:2201 ${hostPublicKey("h1")}\n`);
    expect(learned).toEqual([expect.objectContaining({ host: "127.0.1.11", port: 2201, fingerprint: hostFingerprint("h1") })]);

    const s2 = await connectSsh(options("h1", { hostKey: { knownHostsPath: file } }));
    expect((await s2.exec(["id", "-u"])).stdout).toBe("0\n");
    await s2.close();
    expect(readFileSync(file, "utf8").split("\n").filter(Boolean)).toHaveLength(1);
  });
});

describe("connection failures", () => {
  it("fails with an authentication error for a key the host does not accept", async () => {
    const key = path.join(scratch, "stranger");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    const r = await refusal(connectSsh(options("h1", { privateKeyPath: key })));
    expect(r.code).toBe("AUTH_FAILED");
    expect(r.message).toBe(
      `authentication failed for root@127.0.1.11:2201 with private key ${key}: add the matching public key to root's authorized_keys on the host, or use the right key`,
    );
  });

  it("fails clearly on a missing key file and on a public key passed as private", async () => {
    expect((await refusal(connectSsh(options("h1", { privateKeyPath: path.join(scratch, "nope") })))).message).toMatch(
      /cannot read private key .*nope: ENOENT/,
    );
    const r = await refusal(connectSsh(options("h1", { privateKeyPath: `${sandbox.controller.privateKeyPath}.pub` })));
    expect(r.code).toBe("BAD_OPTIONS");
  });

  it("fails with connection refused and the host:port when nothing listens", async () => {
    const r = await refusal(connectSsh(options("h1", { port: 2299 })));
    expect(r.code).toBe("CONNECTION_REFUSED");
    expect(r.message).toContain("cannot connect to 127.0.1.11:2299: connection refused");
  });

  it("times out on a server that never speaks SSH", async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.1.99", resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const r = await refusal(connectSsh(options("h1", { host: "127.0.1.99", port, readyTimeoutMs: 500 })));
      expect(r.code).toBe("CONNECTION_TIMEOUT");
      expect(r.message).toContain(`127.0.1.99:${port}`);
    } finally {
      silent.close();
    }
  });

  it("rejects commands on a closed session", async () => {
    const s = await connectSsh(options("h2"));
    await s.close();
    expect((await refusal(s.exec(["true"]))).code).toBe("CONNECTION_LOST");
  });
});
