import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const CLI = path.join(__dirname, "../../../dist/lib/cli/main.js");

function ours(args: string[]) {
  return spawnSync(process.execPath, [CLI, "keygen", ...args], { encoding: "utf8" });
}

function chronyc(args: string[]) {
  return spawnSync("chronyc", ["keygen", ...args], { encoding: "utf8" });
}

/** ID, type and the number of hex digits: what two random keys can have in common. */
function shape(line: string): string {
  const [id, type, material] = line.trim().split(" ");
  return `${id} ${type} ${material.startsWith("HEX:") ? material.length - 4 : "?"} ${/^HEX:[0-9A-F]+$/.test(material)}`;
}

describe("cdktf-chrony keygen matches chronyc keygen", () => {
  const cases = [
    [],
    ["5"],
    ["7", "MD5"],
    ["3", "MD5", "8"],
    ["9", "SHA256", "256"],
    ["10", "SHA512", "5000"],
    ["11", "SHA3-256", "200"],
    ["12", "SHA1", "1"],
    ["13", "AES128"],
    ["14", "AES256", "8"],
    ["4294967295", "SHA384"],
  ];
  it.each(cases.map((c) => [c.join(" ") || "(no arguments)", c]))("%s", (_label, args) => {
    const a = ours(args as string[]);
    const b = chronyc(args as string[]);
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    expect(shape(a.stdout)).toBe(shape(b.stdout));
    expect(a.stdout).not.toBe(b.stdout);
  });

  it("refuses what chronyc refuses", () => {
    for (const args of [
      ["2", "sha1"],
      ["2", "TIGER"],
    ]) {
      expect(chronyc(args).stdout + chronyc(args).stderr).toMatch(/Unknown hash function or cipher/);
      const r = ours(args);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^cdktf-chrony keygen: unknown hash function or cipher '/);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it("is what chronyc keygen prints on this machine", () => {
    expect(execFileSync("chronyc", ["keygen"], { encoding: "utf8" })).toMatch(/^1 SHA1 HEX:[0-9A-F]{40}\n$/);
  });
});
