import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import ts from "typescript";
import { ROOT } from "../../helpers/cdktf";
import { runCli, storedKeyMaterial } from "../../helpers/fleet";
import { materialForms, readTree } from "../../helpers/synth";

const project = fs.mkdtempSync(path.join(os.tmpdir(), "synth-inspect-"));
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

describe("npm run synth, then cdktf-chrony inspect", () => {
  it("synthesizes examples/fleet offline into ./cdktf.out, and inspect --json lists the 5 hosts with their files", () => {
    // `npm run synth` is `node dist/examples/fleet/main.js` in the project folder; no terraform is needed.
    const synth = spawnSync(process.execPath, [path.join(ROOT, "dist/examples/fleet/main.js")], {
      cwd: project,
      encoding: "utf8",
      env: { ...process.env, PATH: "/usr/bin:/bin", CDKTF_CHRONY_SANDBOX: "", CDKTF_CHRONY_PROJECT_DIR: "" },
    });
    expect(synth.stderr).toBe("");
    expect(synth.status).toBe(0);
    const r = runCli(["inspect", "cdktf.out", "--json"], { cwd: project });
    expect(r.status).toBe(0);
    const { hosts } = JSON.parse(r.stdout);
    expect(hosts.map((h: { id: string; stack: string; address: string }) => [h.id, h.stack, h.address])).toEqual([
      ["client-1", "fleet", "10.0.0.3"],
      ["client-2", "fleet", "10.0.0.4"],
      ["client-3", "fleet", "10.0.0.5"],
      ["server-a", "fleet", "10.0.0.1"],
      ["server-b", "fleet", "10.0.0.2"],
    ]);
    for (const h of hosts) {
      expect(Object.keys(h.files)).toEqual(["/etc/chrony/chrony.conf", "/etc/chrony/sources.d/cdktf-chrony.sources", "/etc/chrony/chrony.keys"]);
      expect(h.files["/etc/chrony/chrony.keys"]).toMatch(/^\d+ (SHA256|AES128) <redacted hmac-sha256:[0-9a-f]{32}; source: key store /m);
    }
    expect(hosts[3].files["/etc/chrony/sources.d/cdktf-chrony.sources"]).toContain("peer 10.0.0.2 minpoll 4 maxpoll 6 key 1\n");
    expect(hosts[0].files["/etc/chrony/sources.d/cdktf-chrony.sources"]).toContain("server 10.0.0.1 iburst minpoll 4 maxpoll 6 key 2\n");
    const table = runCli(["inspect", "cdktf.out"], { cwd: project });
    expect(table.stdout.split("\n")[0]).toMatch(/^HOST\s+STACK\s+ADDRESS\s+PROFILE\s+CHRONY\s+SOURCES\s+KEYS\s+FILES$/);
    expect(table.stdout.trim().split("\n")).toHaveLength(6);
  });

  it("leaves no key material anywhere in cdktf.out, nor in inspect's or keys' output", () => {
    const text = [
      readTree(path.join(project, "cdktf.out")),
      runCli(["inspect", "--json"], { cwd: project }).stdout,
      runCli(["keys", "--json"], { cwd: project }).stdout,
    ].join("\n");
    for (const id of [1, 2]) {
      const material = storedKeyMaterial(project, id);
      expect(material.length).toBeGreaterThanOrEqual(16);
      for (const form of materialForms(material)) expect(text).not.toContain(form);
    }
  });

  it("runs the app shown in the README", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const code = /## A complete app[\s\S]*?```ts\n([\s\S]*?)```/
      .exec(readme)![1]
      .replace('from "cdktf-chrony"', `from ${JSON.stringify(path.join(ROOT, "dist/constructs"))}`);
    const js = ts.transpileModule(code, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "readme-app-"));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, "main.js"), js);
    const run = spawnSync(process.execPath, ["main.js"], {
      cwd: dir,
      encoding: "utf8",
      env: {
        ...process.env,
        NODE_PATH: path.join(ROOT, "node_modules"),
        CHRONY_KEY_2: "HEX:00112233445566778899AABBCCDDEEFF",
        CDKTF_CHRONY_PROJECT_DIR: dir,
      },
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const inspect = JSON.parse(runCli(["inspect", "--json"], { cwd: dir }).stdout);
    expect(inspect.hosts).toHaveLength(5);
    expect(inspect.hosts[0].files["/etc/chrony/sources.d/cdktf-chrony.sources"]).toContain("server 10.0.0.1 iburst key 2\n");
  });
});
