import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { defaultApplyCommand } from "../../../constructs/apply-command";
import { ChronyHost } from "../../../constructs";
import { testStack } from "../../helpers/synth";

// The provisioner's default command finds the CLI where the apply runs. Here a stand-in package
// `cdktf-chrony` whose `./cli` prints the arguments it got shows what node resolves and passes on.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "apply-command-"));

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function project(name: string): string {
  const dir = path.join(tmp, name);
  const pkg = path.join(dir, "node_modules", "cdktf-chrony");
  fs.mkdirSync(pkg, { recursive: true });
  fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "cdktf-chrony", exports: { "./cli": "./cli.js" } }));
  fs.writeFileSync(path.join(pkg, "cli.js"), `process.stdout.write(JSON.stringify({ from: ${JSON.stringify(name)}, args: process.argv.slice(1) }));`);
  fs.mkdirSync(path.join(dir, "cdktf.out", "stacks", "fleet"), { recursive: true });
  return dir;
}

/** Runs the command as Terraform's local-exec does: interpreter, then the command, in the stack's folder. */
function provision(cwd: string, env: NodeJS.ProcessEnv = {}) {
  const [program, ...args] = defaultApplyCommand();
  const r = spawnSync(program, [...args, "apply", "--host", "client-1", "chrony-hosts.jsonl"], {
    cwd,
    encoding: "utf8",
    env: { PATH: process.env.PATH, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the provisioner's default command", () => {
  it("names no path of the synth machine: no node path, no checkout", () => {
    const argv = defaultApplyCommand();
    expect(argv[0]).toBe("node");
    const text = JSON.stringify(argv);
    for (const local of [process.execPath, path.dirname(process.execPath), path.resolve(__dirname, "../../.."), os.homedir()]) {
      expect(text).not.toContain(local);
    }
    // Terraform would read these as templates.
    expect(text).not.toMatch(/\$\{|%\{/);
  });

  it("is what ChronyHost writes into cdk.tf.json by default, before apply --host ID", () => {
    const { stack } = testStack();
    new ChronyHost(stack, "a", { target: { address: "192.0.2.10" } });
    const synth = JSON.parse(Testing.synth(stack));
    const exec = Object.values(synth.resource.terraform_data as Record<string, { provisioner: Array<Record<string, { interpreter: string[] }>> }>)[0]
      .provisioner[0]["local-exec"];
    expect(exec.interpreter).toEqual([...defaultApplyCommand(), "apply", "--host", "a"]);
  });

  it("runs the project's cdktf-chrony, found from the stack's folder, with the arguments Terraform appends", () => {
    const dir = project("user-project");
    const r = provision(path.join(dir, "cdktf.out", "stacks", "fleet"));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ from: "user-project", args: ["apply", "--host", "client-1", "chrony-hosts.jsonl"] });
  });

  it("passes options the CLI shares with node (--version) to the CLI", () => {
    const dir = project("options");
    const [program, ...args] = defaultApplyCommand();
    const r = spawnSync(program, [...args, "--version"], { cwd: dir, encoding: "utf8" });
    expect(JSON.parse(r.stdout).args).toEqual(["--version"]);
  });

  it("finds it through NODE_PATH when the synth output lives outside the project", () => {
    const dir = project("elsewhere");
    const outside = fs.mkdtempSync(path.join(tmp, "out-"));
    const r = provision(outside, { NODE_PATH: path.join(dir, "node_modules") });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).from).toBe("elsewhere");
  });

  it("fails with one line saying how to fix it when cdktf-chrony is not installed", () => {
    const nowhere = fs.mkdtempSync(path.join(tmp, "bare-"));
    const r = provision(nowhere);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual([
      `cdktf-chrony: cannot load cdktf-chrony/cli from ${nowhere} (MODULE_NOT_FOUND): install cdktf-chrony in the project (npm install cdktf-chrony), set NODE_PATH to the node_modules that holds it, or set the host's applyCommand`,
    ]);
  });
});
