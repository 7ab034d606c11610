import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installPackedPackage, type InstalledPackage } from "../helpers/installed-package";

// What a user gets from the registry: the tarball installed with the cdktf versions the README
// names, in a folder that knows nothing of this repository.

const APP = `const { App, TerraformStack } = require("cdktf");
const { ChronyHost } = require("cdktf-chrony");

const app = new App({ outdir: "cdktf.out" });
const stack = new TerraformStack(app, "fleet");
new ChronyHost(stack, "ntp-1", { target: { address: "10.0.0.1" } });
app.synth();
`;

let installed: InstalledPackage;

beforeAll(() => {
  installed = installPackedPackage({ with: ["cdktf@0.21.0", "constructs@~10.7.0"] });
});

afterAll(() => {
  installed?.remove();
});

describe("the npm package, installed in a new project", () => {
  it("is installed outside the repository, from a tarball without tests, benchmarks or examples", () => {
    expect(installed.dir.startsWith(os.tmpdir())).toBe(true);
    expect(path.relative(path.resolve(__dirname, "../.."), installed.dir).startsWith("..")).toBe(true);
    const shipped = fs.readdirSync(path.join(installed.dir, "node_modules/cdktf-chrony/dist")).sort();
    expect(shipped).toEqual(["constructs", "lib"]);
    const top = fs.readdirSync(path.join(installed.dir, "node_modules/cdktf-chrony")).sort();
    expect(top).toEqual(["CHANGELOG.md", "LICENSE", "README.md", "dist", "package.json"]);
  });

  it("synthesizes an app that declares one ChronyHost", () => {
    installed.writeFile("main.js", APP);
    const synth = installed.run(process.execPath, ["main.js"], { CDKTF_CHRONY_PROJECT_DIR: installed.dir });
    expect(synth.stderr).toBe("");
    expect(synth.status).toBe(0);
    const stackDir = path.join(installed.dir, "cdktf.out/stacks/fleet");
    const config = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as { resource: Record<string, Record<string, unknown>> };
    expect(Object.keys(config.resource)).toEqual(["terraform_data"]);
    expect(Object.keys(config.resource.terraform_data)).toHaveLength(1);
    // The bundle: a header with the profiles the hosts share, then one line per host.
    const [header, ...manifests] = fs.readFileSync(path.join(stackDir, "chrony-hosts.jsonl"), "utf8").trim().split("\n");
    expect(JSON.parse(header)).toMatchObject({ schema: "cdktf-chrony/host-bundle@1" });
    expect(manifests).toHaveLength(1);
    expect(JSON.parse(manifests[0])).toMatchObject({ id: "ntp-1", target: { address: "10.0.0.1" } });
    // The installed CLI reads what the installed library wrote.
    const inspect = installed.run("npx", ["cdktf-chrony", "inspect", "cdktf.out", "--json"]);
    expect(inspect.status).toBe(0);
    expect(JSON.parse(inspect.stdout).hosts.map((h: { id: string; address: string }) => [h.id, h.address])).toEqual([["ntp-1", "10.0.0.1"]]);
  });

  it("exposes the command-protocol client as cdktf-chrony/cmdmon", () => {
    const r = installed.run(process.execPath, ["-e", 'process.stdout.write(typeof require("cdktf-chrony/cmdmon").CmdmonClient)']);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("function");
  });

  it("keeps its internals private: only the exported subpaths resolve", () => {
    const r = installed.run(process.execPath, ["-e", 'require("cdktf-chrony/dist/lib/ssh")']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("ERR_PACKAGE_PATH_NOT_EXPORTED");
  });

  it("runs the CLI with npx", () => {
    const r = installed.run("npx", ["cdktf-chrony", "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: cdktf-chrony <command> \[options\]/);
    expect(r.stdout).toMatch(/^ {2}sandbox /m);
  });
});
