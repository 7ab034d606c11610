import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../../helpers/cdktf";
import { runCli } from "../../helpers/fleet";

// The app of the README's "Use it in your own project", synthesized in a project folder: the
// output must not depend on where synth ran, since the apply often runs elsewhere.

const project = fs.mkdtempSync(path.join(os.tmpdir(), "portable-output-"));
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

function readmeApp(): string {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const code = /## Use it in your own project[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)![1];
  return ts.transpileModule(code.replace('from "cdktf-chrony"', `from ${JSON.stringify(path.join(ROOT, "dist/constructs"))}`), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
}

describe("the synth output of the README's own-project app", () => {
  it("synthesizes three hosts", () => {
    fs.writeFileSync(path.join(project, "cdktf.json"), JSON.stringify({ language: "typescript", app: "npx ts-node main.ts" }));
    fs.writeFileSync(path.join(project, "main.js"), readmeApp());
    const synth = spawnSync(process.execPath, ["main.js"], {
      cwd: project,
      encoding: "utf8",
      env: { ...process.env, NODE_PATH: path.join(ROOT, "node_modules"), CDKTF_CHRONY_PROJECT_DIR: "", CDKTF_CHRONY_SANDBOX: "" },
    });
    expect(synth.stderr).toBe("");
    expect(synth.status).toBe(0);
    const inspect = JSON.parse(runCli(["inspect", "--json"], { cwd: project }).stdout) as { hosts: Array<{ id: string }> };
    expect(inspect.hosts.map((h) => h.id)).toEqual(["client-2", "client-3", "server"]);
  });

  it("names no path of the machine that ran synth in cdk.tf.json or the manifests: not the project, the checkout, node or the home folder", () => {
    const stackDir = path.join(project, "cdktf.out/stacks/ntp");
    const output = ["cdk.tf.json", "chrony-hosts.jsonl"].map((f) => fs.readFileSync(path.join(stackDir, f), "utf8")).join("\n");
    for (const local of [project, fs.realpathSync(project), ROOT, process.execPath, fs.realpathSync(process.execPath), os.homedir()]) {
      expect(output).not.toContain(local);
    }
    // Paths stay as the app wrote them; the provisioner finds the CLI when it runs.
    expect(output).toContain('"privateKeyPath":"~/.ssh/id_ed25519"');
    expect(output).toContain('"path":"~/.ssh/known_hosts"');
    expect(output).toContain('"dir":".chrony-keys"');
    expect(output).toContain('"path": "../../../terraform.ntp.tfstate"');
    const config = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
    const resources = Object.values(config.resource.terraform_data) as Array<{ provisioner: Array<{ "local-exec": { interpreter: string[] } }> }>;
    for (const r of resources) {
      expect(r.provisioner[0]["local-exec"].interpreter).toEqual([
        "node",
        "-e",
        expect.stringContaining('require("cdktf-chrony/cli")'),
        "--",
        "apply",
        "--host",
        expect.any(String),
      ]);
    }
    expect(output).toMatch(/"schema":"cdktf-chrony\/host-manifest@\d+"/);
  });
});
