import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../../lib/cli/main";
import { parseSshTarget } from "../../../lib/import/read-ssh";
import { code, tsLiteral, variableName } from "../../../lib/import/ts-source";
import { writeProject } from "../../../lib/import/write-project";
import { parseDirectiveLine } from "../../../lib/model/directive";
import { effectiveConfig } from "../../../lib/model/effective-config";

const lines = (text: string) => text.split("\n").flatMap((l) => parseDirectiveLine(l) ?? []);

describe("effectiveConfig", () => {
  it("sorts source options, writes numbers one way, merges log lines, keeps the last line of a slot", () => {
    const a = effectiveConfig(
      lines("server 192.0.2.1 iburst minpoll 4\nmakestep 1.0 3\nmakestep 0.5 -1\nlog tracking\nlog measurements\nmaxupdateskew 100.0"),
    );
    const b = effectiveConfig(lines("maxupdateskew 100\nSERVER 192.0.2.1 minpoll 4 iburst\nmakestep 0.5 -1\nlog measurements tracking"));
    expect(a).toEqual(b);
    expect(a).toContain("makestep 0.5 -1");
  });

  it("keeps the order of allow and deny rules, and of a repeated directive's lines", () => {
    expect(effectiveConfig(lines("allow 10/8\ndeny 10.1/16"))).not.toEqual(effectiveConfig(lines("deny 10.1/16\nallow 10/8")));
    expect(effectiveConfig(lines("allow 10/8\ncmdallow 1.2.3.4"))).toEqual(effectiveConfig(lines("cmdallow 1.2.3.4\nallow 10/8")));
  });

  it("adds up the options of repeated ratelimit lines, as chronyd does", () => {
    expect(effectiveConfig(lines("ratelimit interval 1 burst 8\nratelimit burst 16"))).toEqual(
      effectiveConfig(lines("ratelimit interval 1 burst 16")),
    );
    expect(effectiveConfig(lines("ratelimit interval 1 burst 8\nratelimit burst 16"))).not.toEqual(effectiveConfig(lines("ratelimit burst 16")));
  });

  it("treats ntscachedir as ntsdumpdir, and a sourcedir file's sources like chrony.conf's", () => {
    expect(effectiveConfig(lines("ntscachedir /var/lib/chrony"))).toEqual(effectiveConfig(lines("ntsdumpdir /var/lib/chrony")));
    expect(effectiveConfig([], lines("server 192.0.2.1 iburst"))).toEqual(effectiveConfig(lines("server 192.0.2.1 iburst")));
  });
});

describe("ts-source", () => {
  it("writes short values on one line, long ones one entry per line, and code as is", () => {
    expect(tsLiteral({ address: "a", iburst: true, minPoll: -2, key: code("key1"), "odd-key": 1 })).toBe(
      '{ address: "a", iburst: true, minPoll: -2, key: key1, "odd-key": 1 }',
    );
    expect(tsLiteral(["x".repeat(60), "y".repeat(60)])).toBe(`[\n  "${"x".repeat(60)}",\n  "${"y".repeat(60)}",\n]`);
    expect(tsLiteral({ path: 'a"b\\c' })).toBe('{ path: "a\\"b\\\\c" }');
  });

  it("makes unique variable names from host names", () => {
    const taken = new Set<string>();
    expect(["ntp-1.example", "ntp-1.example", "1st", "class"].map((n) => variableName(n, taken))).toEqual([
      "ntp1Example",
      "ntp1Example2",
      "h1st",
      "classHost",
    ]);
  });
});

describe("parseSshTarget", () => {
  it("reads [USER@]HOST[:PORT] and IPv6 in brackets", () => {
    expect(parseSshTarget("ntp1.example.net")).toEqual({ host: "ntp1.example.net" });
    expect(parseSshTarget("deploy@10.0.0.1:2222")).toEqual({ user: "deploy", host: "10.0.0.1", port: 2222 });
    expect(parseSshTarget("[2001:db8::1]:22")).toEqual({ host: "2001:db8::1", port: 22 });
    expect(() => parseSshTarget("a b")).toThrow("invalid SSH target 'a b': use [USER@]HOST[:PORT]");
    expect(() => parseSshTarget("h:70000")).toThrow(/invalid SSH target 'h:70000'/);
  });
});

describe("writeProject", () => {
  const key = { id: 4, type: "SHA1" as const, material: "HEX:0A0B0C0D0E0F10111213141516171819", holders: ["h"] };
  const files = { mainTs: "// app\n", keys: [key], libraryVersion: "0.1.0", hostNames: ["h"] };

  it("writes the app, the key store (0600 files in a 0700 folder) and keeps the key store out of git", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "write-project-"));
    fs.writeFileSync(path.join(dir, "package.json"), "{}\n");
    fs.writeFileSync(path.join(dir, ".gitignore"), "node_modules/");
    const result = writeProject(dir, files);
    expect(result).toEqual({ written: ["main.ts", "cdktf.json", "tsconfig.json", ".gitignore"], kept: ["package.json"], storedKeys: [4] });
    expect(fs.readFileSync(path.join(dir, ".gitignore"), "utf8")).toBe("node_modules/\n.chrony-keys/\ncdktf.out/\ndist/\nterraform.*.tfstate*\n");
    expect(fs.statSync(path.join(dir, ".chrony-keys")).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, ".chrony-keys/key-4.line")).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(dir, ".chrony-keys/key-4.line"), "utf8")).toBe("4 SHA1 HEX:0A0B0C0D0E0F10111213141516171819\n");
  });

  it("refuses to replace main.ts without force, and a stored key with other material always", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "write-project-"));
    writeProject(dir, files);
    expect(() => writeProject(dir, files)).toThrow(
      `${dir}/main.ts exists: import into a new folder with --out DIR, or pass --force to replace main.ts`,
    );
    expect(() => writeProject(dir, files, { force: true })).not.toThrow();
    const other = { ...files, keys: [{ ...key, material: "HEX:FFFF0C0D0E0F10111213141516171819" }] };
    expect(() => writeProject(dir, other, { force: true })).toThrow(
      `${dir}/.chrony-keys/key-4.line holds another key with ID 4: import into a new folder`,
    );
  });
});

describe("cdktf-chrony import (CLI)", () => {
  async function run(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
    return { code, stdout: out.join(""), stderr: err.join("") };
  }

  it("has --help, and one-line errors with the fix for bad input", async () => {
    expect((await run(["import", "--help"])).stdout).toMatch(/^usage: cdktf-chrony import FILE\.\.\. \[--out DIR\]/);
    expect(await run(["import"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "cdktf-chrony import: nothing to import: cdktf-chrony import FILE... [--out DIR] [options]\n",
    });
    expect((await run(["import", "a.conf", "--identity", "k"])).stderr).toBe(
      "cdktf-chrony import: --identity goes with --ssh (importing files reads nothing over SSH)\n",
    );
    expect((await run(["import", "--ssh", "h", "--keys", "k"])).stderr).toBe(
      "cdktf-chrony import: --keys goes with files, not --ssh (over SSH the host's own is read)\n",
    );
    expect((await run(["import", "a.conf", "--profile", "suse"])).stderr).toBe(
      "cdktf-chrony import: invalid --profile 'suse': use auto or debian or rhel\n",
    );
    expect((await run(["import", "/nonexistent/chrony.conf"])).stderr).toBe(
      "cdktf-chrony import: cannot read /nonexistent/chrony.conf: ENOENT: give the path of a chrony.conf\n",
    );
  });

  it("imports a file with its keys into the key store, never printing the material, and exits 2 when a line is not reproduced", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-cli-"));
    const conf = path.join(dir, "client.conf");
    const keys = path.join(dir, "client.keys");
    fs.writeFileSync(conf, "keyfile /etc/chrony/chrony.keys\nserver 192.0.2.1 iburst key 9\nmakestep 1 3\n");
    fs.writeFileSync(keys, "9 SHA256 HEX:9E8D7C6B5A4938271605F4E3D2C1B0A9\n");
    const ok = await run(["import", conf, "--keys", keys, "--out", path.join(dir, "app")]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`keys 9 are in ${path.join(dir, "app", ".chrony-keys")} (0600)`);
    const mainTs = fs.readFileSync(path.join(dir, "app/main.ts"), "utf8");
    expect(mainTs).toContain('servers: [{ address: "192.0.2.1", iburst: true, key: key9 }],');
    for (const text of [ok.stdout, ok.stderr, mainTs]) expect(text).not.toContain("9E8D7C6B5A4938271605F4E3D2C1B0A9");

    fs.writeFileSync(conf, "server 192.0.2.1\nmakestep one 3\n");
    const partial = await run(["import", conf, "--out", path.join(dir, "app2"), "--json"]);
    expect(partial.code).toBe(2);
    expect(JSON.parse(partial.stdout).reports).toEqual([
      {
        host: "client",
        at: `${conf}:2`,
        level: "error",
        message: "invalid 'makestep one 3': makestep threshold (seconds) must be a number ≥ 0, got 'one'; not imported",
      },
    ]);
    expect(partial.stderr).toBe("cdktf-chrony import: 1 line(s) are not reproduced by the app: see the reports above\n");
  });
});
