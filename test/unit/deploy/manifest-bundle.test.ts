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
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
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

  it("stores each profile once, in the header, and gives every host its own back", () => {
    const file = path.join(dir, "two-profiles.jsonl");
    const debian = debianProfile();
    const other = { ...debianProfile(), keysGroup: "ntp" };
    const [kd, ko] = [profileKey(debian), profileKey(other)];
    const entries = ["a", "b", "c", "d"].map((id, i) => {
      const m = { ...manifest(id, 10), profile: i % 2 === 0 ? debian : other };
      return { id, line: bundleLine(m), profile: i % 2 === 0 ? kd : ko };
    });
    writeBundle(
      file,
      entries,
      new Map([
        [kd, debian],
        [ko, other],
      ]),
    );
    const text = fs.readFileSync(file, "utf8");
    expect(text.split("\n")[0]).toMatch(/^\{"schema":"cdktf-chrony\/host-bundle@1","profiles":\{/);
    expect(text.split('"keysGroup":"ntp"')).toHaveLength(2);
    expect(readBundle(file).map((m) => [m.id, m.profile.keysGroup])).toEqual([
      ["a", "_chrony"],
      ["b", "ntp"],
      ["c", "_chrony"],
      ["d", "ntp"],
    ]);
    expect(readBundleHost(file, "d").profile).toEqual(other);
  });

  it("reads a bundle without a header, as older versions wrote it (every profile inline)", () => {
    const file = path.join(dir, "legacy.jsonl");
    fs.writeFileSync(file, ["h1", "h2", "h3"].map((id) => `${JSON.stringify(manifest(id, 100))}\n`).join(""));
    expect(readBundle(file).map((m) => m.id)).toEqual(["h1", "h2", "h3"]);
    expect(readBundleHost(file, "h2").profile).toEqual(debianProfile());
  });

  it("fails for a line whose profile is not in the header, and says to synthesize again", () => {
    const file = path.join(dir, "missing-profile.jsonl");
    writeBundle(
      file,
      [{ id: "h1", line: bundleLine(manifest("h1", 1), "0123456789abcdef"), profile: profileKey(debianProfile()) }],
      new Map([[profileKey(debianProfile()), debianProfile()]]),
    );
    expect(() => readBundleHost(file, "h1")).toThrow(
      /its profile '0123456789abcdef' is not in the bundle's header: synthesize it again with 'cdktf synth'$/,
    );
  });

  it("says how to fix a missing bundle", () => {
    expect(() => readBundleHost(path.join(dir, "none.jsonl"), "h1")).toThrow(/^cannot read .*none\.jsonl \(ENOENT\): run 'cdktf synth' first/);
  });
});
