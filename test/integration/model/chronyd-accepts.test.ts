import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { debianProfile, rhelProfile, sandboxProfile } from "../../../lib/model/profiles/presets";
import { directiveLine, parseDirectiveLine } from "../../../lib/model/directive";
import type { HostFile } from "../../../lib/manifest";
import { renderHostFiles } from "../../../lib/render/host-files";
import { SAMPLE_CONFIGS, buildSample } from "../../fixtures/configs";
import { readOutdir } from "../../../lib/deploy/outdir";

const CHRONYD = "/usr/sbin/chronyd";
const work = fs.mkdtempSync(path.join(os.tmpdir(), "chronyd-p-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** `chronyd -p -f FILE`: the configuration as chronyd reads it, or its error. */
function chronydParse(file: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(CHRONYD, ["-p", "-f", file], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Writes a rendered chrony.conf, inlining the managed sources file the way a sourcedir would load it. */
function writeRendered(name: string, files: HostFile[]): string {
  const conf = files.find((f) => f.role === "conf")!;
  const sources = files.find((f) => f.role === "sources");
  const file = path.join(work, `${name}.conf`);
  fs.writeFileSync(file, conf.content);
  if (sources) fs.writeFileSync(path.join(work, `${name}.sources.conf`), sources.content);
  return file;
}

describe("chronyd -p accepts what we render", () => {
  it("is Debian's chronyd 4.3", () => {
    expect(execFileSync(CHRONYD, ["--version"], { encoding: "utf8" })).toMatch(/^chronyd \(chrony\) version 4\.3/);
  });

  const profiles = {
    debian: debianProfile(),
    rhel: rhelProfile(),
    sandbox: sandboxProfile({ root: "/tmp/sb/h1/root", address: "127.0.0.11", ntpPort: 11101, cmdPort: 11301 }),
  };
  for (const [sample, props] of Object.entries(SAMPLE_CONFIGS)) {
    for (const [profileName, profile] of Object.entries(profiles)) {
      // The sandbox profile pins the ports, which two samples set themselves.
      if (profileName === "sandbox" && (props.port !== undefined || props.cmdPort !== undefined)) continue;
      it(`${sample} with the ${profileName} profile`, () => {
        const files = renderHostFiles(buildSample(props), profile);
        for (const f of files) {
          const r = chronydParse(writeRendered(`${sample}-${profileName}-${f.role}`, [{ ...f, role: "conf" }]));
          expect(r.stderr, `${sample}/${profileName}/${f.role}`).toBe("");
          expect(r.status).toBe(0);
        }
      });
    }
  }

  it("every conf the fleet example synthesizes (both layouts)", () => {
    const outdir = path.join(work, "fleet-out");
    for (const sandbox of [undefined, path.join(work, "fake-sandbox")]) {
      if (sandbox) {
        fs.mkdirSync(sandbox, { recursive: true });
        const hosts = [1, 2, 3, 4, 5].map((i) => ({
          id: `h${i}`,
          address: `127.0.9.${10 + i}`,
          sshPort: 2200 + i,
          cmdPort: 11300 + i,
          ntpPort: 11100 + i,
          root: path.join(sandbox, `h${i}`),
        }));
        fs.writeFileSync(
          path.join(sandbox, "sandbox.json"),
          JSON.stringify({ hosts, controller: { user: "root", privateKeyPath: "/dev/null", knownHostsPath: "/dev/null" } }),
        );
      }
      fs.rmSync(outdir, { recursive: true, force: true });
      execFileSync(process.execPath, [path.join(__dirname, "../../../dist/examples/fleet/main.js")], {
        cwd: work,
        env: { ...process.env, CDKTF_OUTDIR: outdir, CDKTF_CHRONY_SANDBOX: sandbox ?? "", CDKTF_CHRONY_PROJECT_DIR: work },
      });
      const hosts = readOutdir(outdir);
      expect(hosts).toHaveLength(5);
      for (const { manifest: m } of hosts) {
        const name = m.id;
        for (const f of m.files as HostFile[]) {
          const r = chronydParse(writeRendered(`fleet-${sandbox ? "sb" : "real"}-${name}-${f.role}`, [{ ...f, role: "conf" }]));
          expect(r.stderr, `${name} ${f.path}`).toBe("");
          expect(r.status).toBe(0);
        }
      }
    }
  });
});

describe("parsed and re-rendered configs read the same to chronyd", () => {
  const FIXTURES = path.join(__dirname, "../../fixtures/conf");
  for (const name of fs.readdirSync(FIXTURES).filter((f) => f.endsWith(".conf"))) {
    it(name, () => {
      const original = path.join(FIXTURES, name);
      const rendered = path.join(work, `roundtrip-${name}`);
      const lines = fs.readFileSync(original, "utf8").split("\n");
      fs.writeFileSync(
        rendered,
        lines
          .map((l) => {
            const d = parseDirectiveLine(l);
            return d ? directiveLine(d) : l;
          })
          .join("\n"),
      );
      const a = chronydParse(original);
      const b = chronydParse(rendered);
      expect(a.status).toBe(0);
      expect(b.status).toBe(0);
      expect(b.stdout).toBe(a.stdout);
      expect(a.stdout.length).toBeGreaterThan(0);
    });
  }
});
