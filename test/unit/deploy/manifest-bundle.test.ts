import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { bundleLine, profileKey, readBundle, readBundleHost, writeBundle } from "../../../lib/manifest";
import { HostManifest, MANIFEST_SCHEMA } from "../../../lib/manifest";
import { debianProfile } from "../../../lib/model/profiles/presets";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-"));

function manifest(id: string, padding: number): HostManifest {
  return {
    schema: MANIFEST_SCHEMA,
    id,
    generator: "cdktf-chrony test",
    stack: "s",
    target: { address: "10.0.0.1", port: 22, user: "root", hostKey: { kind: "fingerprint", sha256: `SHA256:${"A".repeat(43)}` }, sudo: false },
    profile: debianProfile(),
    chronyVersion: "4.3",
    files: [{ path: "/etc/chrony/chrony.conf", content: `# ${"x".repeat(padding)}\n`, mode: 0o644, owner: "root:root", role: "conf" }],
    keys: { path: "/etc/chrony/chrony.keys", owner: "root", group: "_chrony", mode: 0o640, entries: [], undeclared: "refuse" },
    fingerprintSalt: { kind: "env", variable: "S" },
    reloadPolicy: "least-disruptive",
    verify: { sources: [], requireSynchronised: false, timeoutSeconds: 30 },
    rotations: [],
    warnings: [],
    digests: { files: "f", keys: "k" },
  };
}

/** A seeded generator, so a failure reproduces. */
function random(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe("the manifest bundle", () => {
  it("finds every host by binary search in bundles of 1 to 60 hosts with lines of very different lengths", () => {
    const next = random(7);
    for (let n = 1; n <= 60; n++) {
      const ids = Array.from({ length: n }, (_v, i) => `${["web", "db", "h", "ntp-1.example"][i % 4]}-${Math.floor(next() * 1e6)}-${i}`);
      const file = path.join(dir, `b${n}.jsonl`);
      // Some lines are longer than the 16 KiB read size.
      const profile = debianProfile();
      const key = profileKey(profile);
      writeBundle(
        file,
        ids.map((id) => ({ id, line: bundleLine(manifest(id, Math.floor(next() * 40_000)), key), profile: key })),
        new Map([[key, profile]]),
      );
      for (const id of ids) expect(readBundleHost(file, id).id, `${n}: ${id}`).toBe(id);
      expect(() => readBundleHost(file, "absent-host")).toThrow(/^no host 'absent-host' in .*b\d+\.jsonl: it holds /);
      expect(readBundle(file).map((m) => m.id)).toEqual([...ids].sort());
    }
  });

  it("says how to fix a missing bundle", () => {
    expect(() => readBundleHost(path.join(dir, "none.jsonl"), "h1")).toThrow(/^cannot read .*none\.jsonl \(ENOENT\): run 'cdktf synth' first/);
  });
});
