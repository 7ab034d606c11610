import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChronyHost } from "../../../constructs";
import { runCli, sandboxHostProps, synthFleet } from "../../helpers/fleet";
import { startSandbox, StartedSandbox } from "../../helpers/sandbox";

// `cdktf-chrony status OUTDIR` against three real sandbox hosts (two asked over UDP, one over SSH)
// and one host that does not exist.

let sandbox: StartedSandbox;
let project: string;
let outdir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ hosts: 3, firstAddress: "127.0.70.31" });
  project = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-status-"));
  outdir = path.join(project, "cdktf.out");
  const [h1, h2, h3] = sandbox.hosts;
  synthFleet(project, outdir, (stack) => {
    new ChronyHost(stack, "server", sandboxHostProps(h1, sandbox.controller));
    new ChronyHost(stack, "client", sandboxHostProps(h2, sandbox.controller));
    new ChronyHost(stack, "ssh-only", { ...sandboxHostProps(h3, sandbox.controller), verify: {} });
    // Nothing listens at this address: neither sshd nor chronyd.
    const ghost = { ...h3, address: "127.0.70.39" };
    new ChronyHost(stack, "ghost", { ...sandboxHostProps(ghost, sandbox.controller), ntpAddress: "127.0.70.39" });
  });
});

afterAll(async () => {
  await sandbox?.stop();
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

describe("cdktf-chrony status OUTDIR", () => {
  it("prints one line per host, worst first, and a summary line; exit 2 when a host does not answer", () => {
    const r = runCli(["status", outdir, "--timeout", "200"], { env: { CDKTF_CHRONY_PROJECT_DIR: project } });
    expect(r.status, r.stderr).toBe(2);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^HOST\s+SYNCHRONISED TO\s+STRATUM\s+OFFSET\s+WORST SOURCE\s+VIA$/);
    expect(lines[1]).toMatch(/^ghost\s+no answer\s+-\s+-\s+.*\budp 127\.0\.70\.39:\d+$/);
    const rows = Object.fromEntries(lines.slice(1, 5).map((l) => [l.split(/\s+/)[0], l]));
    expect(rows.server).toMatch(/^server\s+its local clock\s+8\s+\S+.*\s+no sources\s+udp$/);
    expect(rows.client).toMatch(/^client\s+(127\.0\.70\.31|unsynchronised)\s+\d+\s+.*127\.0\.70\.31: .*\s+udp$/);
    expect(rows["ssh-only"]).toMatch(/\sssh$/);
    expect(lines[lines.length - 1]).toMatch(
      /^4 host\(s\): \d synchronised, 1 serving their local clock, \d unsynchronised, 1 not answering; largest offset /,
    );
  });

  it("--json holds each host's tracking and sources in the `status HOST --json` shape, and the summary", () => {
    const r = runCli(["status", outdir, "--json", "--timeout", "200"], { env: { CDKTF_CHRONY_PROJECT_DIR: project } });
    const report = JSON.parse(r.stdout) as { hosts: Array<{ host: string; sources: Array<{ address: string }> }>; summary: Record<string, unknown> };
    expect(report.hosts.map((h) => h.host)[0]).toBe("ghost");
    const server = report.hosts.find((h) => h.host === "server")!;
    expect(server).toMatchObject({ stack: "fleet", via: "udp", result: "ok", localReference: true, tracking: { refId: "7F7F0101", stratum: 8 } });
    const client = report.hosts.find((h) => h.host === "client")!;
    expect(client.sources.map((s) => s.address)).toEqual(["127.0.70.31"]);
    expect(report.hosts.find((h) => h.host === "ghost")).toMatchObject({ result: "error", error: expect.any(String) });
    expect(report.summary).toMatchObject({ hosts: 4, notAnswering: 1, localReference: 1 });
  });

  it("--format markdown prints a table and the summary in bold", () => {
    const r = runCli(["status", outdir, "--format", "markdown", "--timeout", "200"], { env: { CDKTF_CHRONY_PROJECT_DIR: project } });
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("| HOST | SYNCHRONISED TO | STRATUM | OFFSET | WORST SOURCE | VIA |");
    expect(lines[1]).toBe("|---|---|---|---|---|---|");
    expect(lines[2]).toMatch(/^\| ghost \| no answer \|/);
    expect(r.stdout).toMatch(/\n\*\*4 host\(s\): .*\*\*\n$/);
  });

  it("fails with one line for --format with one host, and for an unknown format", () => {
    const one = runCli(["status", "127.0.70.31:9", "--format", "markdown"]);
    expect(one.status).toBe(1);
    expect(one.stderr).toBe("cdktf-chrony status: --format is for a synth output (status OUTDIR), not one host '127.0.70.31:9'\n");
    const bad = runCli(["status", outdir, "--format", "html"]);
    expect(bad.stderr).toBe("cdktf-chrony status: invalid --format 'html': use text or markdown\n");
  });
});
