import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applySummaries, ROOT, stripAnsi } from "../helpers/cdktf";
import { copyProject, newProject, packPackage, type PackedPackage, type UserProject } from "../helpers/installed-package";
import { startSandbox, type StartedSandbox } from "../helpers/sandbox";
import { storedKeyMaterial } from "../helpers/fleet";
import { materialForms, readTree } from "../helpers/synth";
import { elements, parseXml } from "../helpers/xml";

// cdktf-chrony as a user meets it: the packed tarball installed into a new cdktf TypeScript
// project (laid out as `cdktf init --template typescript` does) outside this repository, a short
// app against the sandbox, `npx cdktf deploy`, `npx cdktf-chrony verify`; the same with cdktf
// aliased to CDK Terrain and its own CLI; then synth in one folder and a plain `terraform apply` in
// a copy at another path, as a pipeline's plan and apply jobs do.

const STACK = "ntp";

// What the app deploys: a server and two clients that authenticate it with a key from the key
// store. MAXPOLL lets a test change the clients' sources (a reload-sources change).
const MAIN_TS = `import { App, LocalBackend, TerraformStack } from "cdktf";
import { ChronyHost, ChronyHostProps, HostKeyPolicy, HostProfiles, KeySource, NtpKey } from "cdktf-chrony";
import { hosts } from "./hosts.json";

const app = new App();
const stack = new TerraformStack(app, "${STACK}");
// State in the project folder, by a path relative to the stack's folder (the default is absolute).
new LocalBackend(stack, { path: "../../../terraform.${STACK}.tfstate" });
const key = new NtpKey(stack, "ClientKey", { keyId: 10, source: KeySource.keyStore() });
const host = (h: (typeof hosts)[number], props: Partial<ChronyHostProps> = {}) =>
  new ChronyHost(stack, h.id, {
    target: { address: h.address, port: h.sshPort, privateKeyPath: "ssh/id_ed25519", hostKey: HostKeyPolicy.knownHosts("ssh/known_hosts") },
    profile: HostProfiles.sandbox({ root: h.root, address: h.address, ntpPort: h.ntpPort, cmdPort: h.cmdPort }),
    verify: { cmdEndpoint: \`\${h.address}:\${h.cmdPort}\` },
    ...props,
  });
const server = host(hosts[0], { hostName: "server", local: { stratum: 8 }, allow: ["127.0.0.0/8"] });
hosts.slice(1).forEach((h, i) => host(h, { hostName: \`client-\${i + 1}\` }).addServer(server, { key, iburst: true, minPoll: 4, maxPoll: Number(process.env.MAXPOLL ?? 6) }));
app.synth();
`;

// `cdktf init --template typescript`'s tsconfig.json, as it lays it out.
const TSCONFIG = {
  compilerOptions: {
    alwaysStrict: true,
    declaration: true,
    experimentalDecorators: true,
    inlineSourceMap: true,
    inlineSources: true,
    lib: ["es2018"],
    module: "CommonJS",
    noEmitOnError: true,
    noFallthroughCasesInSwitch: true,
    noImplicitAny: true,
    noImplicitReturns: true,
    noImplicitThis: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    resolveJsonModule: true,
    strict: true,
    strictNullChecks: true,
    strictPropertyInitialization: true,
    stripInternal: true,
    target: "ES2018",
    incremental: true,
    skipLibCheck: true,
  },
  include: ["**/*.ts"],
  exclude: ["node_modules", "cdktf.out"],
};

const DEV_TOOLS = { typescript: "~5.9.0", "ts-node": "^10.9.2", "@types/node": "^20" };

interface Variant {
  readonly name: string;
  /** The cdk CLI's command (`cdktf`, or CDK Terrain's `cdktn`). */
  readonly cli: string;
  readonly dependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
}

const CDKTF: Variant = {
  name: "cdktf",
  cli: "cdktf",
  dependencies: { cdktf: "0.21.0", constructs: "~10.7.0" },
  devDependencies: { "cdktf-cli": "0.21.0", ...DEV_TOOLS },
};
// cdktn-cli 0.24 (its only release) declares node >= 22.19 and stops at start-up on older Node.
const NODE_RUNS_CDKTN_CLI = (([major, minor]) => major > 22 || (major === 22 && minor >= 19))(process.versions.node.split(".").map(Number));
// CDK Terrain under the cdktf name, as the README says: the library's `require("cdktf")` gets cdktn.
// Its CLI where Node can run it; else cdktf-cli 0.21, which deploys the cdktn app just the same (the
// cdktf project's, as a global install would be: one cdktf-cli install for both projects).
const TERRAIN: Variant = {
  name: "cdktn",
  cli: "cdktn",
  dependencies: { cdktf: "npm:cdktn@^0.24.0", constructs: "~10.7.0" },
  devDependencies: { "cdktn-cli": "^0.24.0", ...DEV_TOOLS },
};
const terrainDeploy = () => (NODE_RUNS_CDKTN_CLI ? ["npx", "cdktn"] : [path.join(projects.cdktf.dir, "node_modules/.bin/cdktf")]);

const ENV = { CHECKPOINT_DISABLE: "1", DISABLE_VERSION_CHECK: "1", CI: "1", TF_IN_AUTOMATION: "1", CDKTF_CHRONY_PROJECT_DIR: "", NODE_PATH: "" };

let packed: PackedPackage;
let sandbox: StartedSandbox;
const projects: Record<string, UserProject> = {};
let applyJob: UserProject | undefined;
let movedSynthJob: string | undefined;
const logs: string[] = [];

function run(project: UserProject, program: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = project.run(program, args, { ...ENV, ...env });
  const output = stripAnsi(`${r.stdout}\n${r.stderr}`);
  logs.push(output);
  return { ...r, output };
}

function projectFiles(variant: Variant): Record<string, string> {
  const controller = sandbox.controller;
  const packageJson = {
    name: `chrony-fleet-${variant.name}`,
    version: "1.0.0",
    main: "main.js",
    types: "main.ts",
    license: "MPL-2.0",
    private: true,
    scripts: { get: `${variant.cli} get`, build: "tsc", synth: `${variant.cli} synth` },
    engines: { node: ">=20.9" },
    dependencies: { "cdktf-chrony": `file:${packed.tarball}`, ...variant.dependencies },
    devDependencies: variant.devDependencies,
  };
  const cdktfJson = {
    language: "typescript",
    app: "npx ts-node main.ts",
    projectId: randomUUID(),
    sendCrashReports: "false",
    terraformProviders: [],
    terraformModules: [],
    context: {},
  };
  const hosts = sandbox.hosts.map((h) => ({
    id: h.id,
    address: h.address,
    sshPort: h.sshPort,
    ntpPort: h.ntpPort,
    cmdPort: h.cmdPort,
    root: h.root,
  }));
  return {
    "package.json": `${JSON.stringify(packageJson, null, 2)}\n`,
    "cdktf.json": `${JSON.stringify(cdktfJson, null, 2)}\n`,
    "tsconfig.json": `${JSON.stringify(TSCONFIG, null, 2)}\n`,
    "main.ts": MAIN_TS,
    // The team's inventory, and its deploy key and pinned host keys, kept in the project.
    "hosts.json": `${JSON.stringify({ hosts }, null, 2)}\n`,
    "ssh/id_ed25519": fs.readFileSync(controller.privateKeyPath, "utf8"),
    "ssh/known_hosts": fs.readFileSync(controller.knownHostsPath, "utf8"),
  };
}

/** The synth output a pipeline passes on: cdk.tf.json and the manifests of every stack. */
function synthOutput(dir: string): string {
  const stackDir = path.join(dir, "cdktf.out", "stacks", STACK);
  return ["cdk.tf.json", "chrony-hosts.jsonl"].map((f) => fs.readFileSync(path.join(stackDir, f), "utf8")).join("\n");
}

function verified(project: UserProject) {
  const verify = run(project, "npx", ["cdktf-chrony", "verify", "--json", "--timeout", "60"]);
  const report = JSON.parse(verify.stdout) as {
    hosts: Array<{ host: string; result: string; problems: string[]; sources: Array<{ authenticated?: boolean }> }>;
  };
  const problems = JSON.stringify(report.hosts.map((h) => [h.host, h.problems]));
  expect(
    report.hosts.map((h) => [h.host, h.result]),
    problems,
  ).toEqual([
    ["client-1", "verified"],
    ["client-2", "verified"],
    ["server", "verified"],
  ]);
  for (const h of report.hosts.filter((x) => x.host.startsWith("client")))
    expect(h.sources).toEqual([expect.objectContaining({ authenticated: true })]);
  expect(verify.status).toBe(0);
}

beforeAll(async () => {
  expect(execFileSync("terraform", ["version"], { encoding: "utf8" })).toMatch(/^Terraform v1\./);
  packed = packPackage();
  sandbox = await startSandbox({ hosts: 3, firstAddress: "127.0.50.11" });
  // Both projects install at once; npm's cache serves what they share.
  const [a, b] = await Promise.all([CDKTF, TERRAIN].map((v) => newProject({ prefix: `cdktf-chrony-${v.name}-project-`, files: projectFiles(v) })));
  projects.cdktf = a;
  projects.cdktn = b;
  for (const p of [a, b]) fs.chmodSync(path.join(p.dir, "ssh/id_ed25519"), 0o600);
});

afterAll(async () => {
  await sandbox?.stop();
  for (const p of Object.values(projects)) p.remove();
  applyJob?.remove();
  if (movedSynthJob) fs.rmSync(movedSynthJob, { recursive: true, force: true });
  packed?.remove();
});

describe("a new cdktf project that installs the packed cdktf-chrony", () => {
  it("is a TypeScript cdktf project outside this repository, with the tarball, cdktf, cdktf-cli and constructs installed", () => {
    const dir = projects.cdktf.dir;
    expect(path.relative(ROOT, dir).startsWith("..")).toBe(true);
    for (const f of [
      "package.json",
      "cdktf.json",
      "tsconfig.json",
      "main.ts",
      "node_modules/cdktf-chrony/package.json",
      "node_modules/.bin/cdktf",
      "node_modules/.bin/cdktf-chrony",
    ]) {
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    }
    expect(MAIN_TS.trim().split("\n").length).toBeLessThanOrEqual(20);
  });

  it("deploys to the sandbox with npx cdktf deploy, and npx cdktf-chrony verify finds every host verified", () => {
    const deploy = run(projects.cdktf, "npx", ["cdktf", "deploy", "--auto-approve", STACK]);
    expect(deploy.status, deploy.output.slice(-3000)).toBe(0);
    expect(deploy.output).toContain("Apply complete! Resources: 3 added, 0 changed, 0 destroyed.");
    // The server's chrony.conf means the same as the sandbox's own (no restart); the clients' sources move out of chrony.conf.
    expect(applySummaries(deploy.output)).toEqual({ "client-1": "restart ok", "client-2": "restart ok", server: "rekey+reload-sources ok" });
    verified(projects.cdktf);
  });

  it("writes nothing that depends on where synth ran: no checkout path, no node path", () => {
    const output = synthOutput(projects.cdktf.dir);
    expect(output).toContain('require(\\"cdktf-chrony/cli\\")');
    for (const local of [
      projects.cdktf.dir,
      fs.realpathSync(projects.cdktf.dir),
      ROOT,
      process.execPath,
      fs.realpathSync(process.execPath),
      packed.tarball,
    ]) {
      expect(output).not.toContain(local);
    }
  });
});

describe("the same project on CDK Terrain (cdktf aliased to cdktn)", () => {
  it("runs the library on cdktn", () => {
    const r = run(projects.cdktn, "node", ["-p", 'require("cdktf/package.json").name + " " + require("cdktf/package.json").version']);
    expect(r.stdout).toMatch(/^cdktn 0\.24\.\d+/);
  });

  it.skipIf(NODE_RUNS_CDKTN_CLI)(`cannot use cdktn-cli 0.24 on Node ${process.versions.node}: it needs Node >= 22.19 and stops at start-up`, () => {
    const r = run(projects.cdktn, "npx", ["cdktn", "deploy", "--auto-approve", STACK]);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain("TypeError: Li.util.markAsUncloneable is not a function");
    const engines = JSON.parse(fs.readFileSync(path.join(projects.cdktn.dir, "node_modules/cdktn-cli/package.json"), "utf8")).engines;
    expect(engines).toEqual({ node: ">=22.19.0" });
  });

  it(`deploys with ${NODE_RUNS_CDKTN_CLI ? "npx cdktn" : "cdktf-cli"} deploy (the clients' sources change: reload sources), and every host verifies`, () => {
    // The same fleet and keys as the cdktf project: its key store and fingerprint salt.
    fs.cpSync(path.join(projects.cdktf.dir, ".chrony-keys"), path.join(projects.cdktn.dir, ".chrony-keys"), { recursive: true });
    const [program, ...cli] = terrainDeploy();
    const deploy = run(projects.cdktn, program, [...cli, "deploy", "--auto-approve", STACK], { MAXPOLL: "7" });
    expect(deploy.status, deploy.output.slice(-3000)).toBe(0);
    expect(deploy.output).toContain("Apply complete! Resources: 3 added, 0 changed, 0 destroyed.");
    expect(applySummaries(deploy.output)).toEqual({
      "client-1": "reload-sources ok",
      "client-2": "reload-sources ok",
      server: "no change unchanged",
    });
    verified(projects.cdktn);
    expect(synthOutput(projects.cdktn.dir)).not.toContain(projects.cdktn.dir);
  });
});

describe("synth in one job, terraform apply in another (a copy of the project at another path)", () => {
  it("plans the change where it was synthesized: what each host would do, read-only", () => {
    const synth = run(projects.cdktf, "npx", ["cdktf", "synth"], { MAXPOLL: "8" });
    expect(synth.status, synth.output.slice(-2000)).toBe(0);
    const plan = run(projects.cdktf, "npx", ["cdktf-chrony", "plan", "--format", "markdown"]);
    expect(plan.status, plan.output).toBe(0);
    const lines = plan.stdout.trim().split("\n");
    expect(lines[0]).toBe("### cdktf-chrony plan: 2 hosts reload sources, 1 unchanged");
    expect(lines.slice(4)).toEqual([
      expect.stringMatching(
        /^\| `client-1` \| reload sources \| sources: server 127\.0\.50\.11 changed \| `cdktf-chrony\.sources`: server 127\.0\.50\.11 changed<br>−`server 127\.0\.50\.11 [^`]*maxpoll 7 [^`]*`<br>\+`server 127\.0\.50\.11 [^`]*maxpoll 8 [^`]*` \|$/,
      ),
      expect.stringMatching(/^\| `client-2` \| reload sources \|/),
    ]);
  });

  it("applies the synth output with plain terraform in a copy of the project at another path, and the hosts verify", () => {
    const synthJob = projects.cdktf.dir;
    applyJob = copyProject(synthJob, "cdktf-chrony-apply-job-", new Set(["node_modules", ".terraform"]));
    // Nothing may still point at the synth job's folder: move it away for the rest of the test.
    movedSynthJob = `${synthJob}.moved`;
    fs.renameSync(synthJob, movedSynthJob);
    try {
      const install = run(applyJob, "npm", ["ci", "--omit=dev", "--no-audit", "--no-fund"]);
      expect(install.status, install.output.slice(-2000)).toBe(0);
      expect(fs.existsSync(path.join(applyJob.dir, "node_modules/cdktf-cli"))).toBe(false);
      const chdir = `-chdir=cdktf.out/stacks/${STACK}`;
      const init = run(applyJob, "terraform", [chdir, "init", "-input=false", "-no-color"]);
      expect(init.status, init.output).toBe(0);
      const apply = run(applyJob, "terraform", [chdir, "apply", "-auto-approve", "-input=false", "-no-color"]);
      expect(apply.status, apply.output.slice(-3000)).toBe(0);
      expect(apply.output).toContain("Apply complete! Resources: 2 added, 0 changed, 2 destroyed.");
      expect(applySummaries(apply.output)).toEqual({ "client-1": "reload-sources ok", "client-2": "reload-sources ok" });
      verified(applyJob);
      expect(synthOutput(applyJob.dir)).not.toContain(applyJob.dir);
    } finally {
      fs.renameSync(movedSynthJob, synthJob);
      movedSynthJob = undefined;
    }
  });

  it("reports drift for CI: one Markdown line and a passing JUnit case per host when clean; what differs when a host was edited", () => {
    const job = applyJob!;
    const clean = run(job, "npx", ["cdktf-chrony", "drift", "--format", "markdown", "--junit", "reports/drift.xml"]);
    expect(clean.status, clean.output).toBe(0);
    expect(clean.stdout).toBe("**cdktf-chrony drift**: no drift, 3 hosts as deployed.\n");
    const cleanXml = parseXml(fs.readFileSync(path.join(job.dir, "reports/drift.xml"), "utf8"));
    expect(elements(cleanXml, "testcase").map((c) => c.attributes.name)).toEqual(["client-1", "client-2", "server"]);
    expect(elements(cleanXml, "failure")).toEqual([]);

    const conf = path.join(sandbox.hosts[2].root, "etc/chrony/chrony.conf");
    fs.appendFileSync(conf, "maxslewrate 500\n");
    const drifted = run(job, "npx", ["cdktf-chrony", "drift", "--format", "markdown", "--junit", "reports/drift.xml"]);
    expect(drifted.status).toBe(2);
    expect(drifted.stdout).toContain("### cdktf-chrony drift: 1 drifted, 2 clean\n");
    expect(drifted.stdout).toContain(
      `| \`client-2\` | ${STACK} | drift | ${conf} differs from the deployed version (edited on the host?): maxslewrate added |`,
    );
    const xml = parseXml(fs.readFileSync(path.join(job.dir, "reports/drift.xml"), "utf8"));
    const cases = elements(xml, "testcase");
    expect(cases).toHaveLength(3);
    expect(cases.map((c) => elements(c, "failure").length)).toEqual([0, 1, 0]);
    expect(elements(cases[1], "failure")[0].attributes.message).toContain("maxslewrate added");

    const plan = run(job, "npx", ["cdktf-chrony", "plan"]);
    expect(plan.stdout).toContain("plan: 1 host restarts (chrony.conf: maxslewrate removed), 2 unchanged\n");
  });

  it("keeps key material out of the synth output, the state and every log", () => {
    const job = applyJob!;
    const material = storedKeyMaterial(job.dir, 10);
    expect(material.length).toBeGreaterThanOrEqual(16);
    const text = [
      readTree(path.join(job.dir, "cdktf.out")),
      fs.readFileSync(path.join(job.dir, `terraform.${STACK}.tfstate`), "latin1"),
      ...logs,
    ].join("\n");
    expect(text).toContain("hmac-sha256:");
    for (const form of materialForms(material)) expect(text).not.toContain(form);
  });
});
