import { describe, expect, it } from "vitest";
import { planChange } from "../../../lib/deploy/change-plan";
import { parseChangeOutput } from "../../../lib/deploy/change-script";
import { extraSources, missingSources } from "../../../lib/deploy/expected-sources";
import { HostManifest } from "../../../lib/deploy/manifest";
import { parseProbe } from "../../../lib/deploy/remote-scripts";
import type { SourceReport } from "../../../lib/cmdmon";

const manifest = (chronyVersion = "4.3", reloadPolicy: HostManifest["reloadPolicy"] = "least-disruptive") =>
  ({ chronyVersion, reloadPolicy }) as HostManifest;

describe("planChange: the least disruptive action for a change", () => {
  it.each([
    [[], true, "none"],
    [[], false, "start"],
    [["sources"], true, "reload-sources"],
    [["keys"], true, "rekey"],
    [["sources", "keys"], true, "rekey+reload-sources"],
    [["conf"], true, "restart"],
    [["conf", "sources", "keys"], true, "restart"],
    [["sources"], false, "start"],
  ] as const)("%j with chronyd running=%s → %s", (changed, running, action) => {
    expect(planChange(manifest(), changed, running).action).toBe(action);
  });

  it("restarts on chrony older than 4.0, which has no reload sources", () => {
    expect(planChange(manifest("3.5"), ["sources"], true)).toEqual({ changed: ["sources"], action: "restart", reason: "chrony 3.5 has no 'reload sources'" });
  });

  it("always restarts under the restart policy", () => {
    expect(planChange(manifest("4.3", "restart"), ["keys"], true).action).toBe("restart");
  });

  it("says a conf change re-arms makestep", () => {
    expect(planChange(manifest(), ["conf"], true).reason).toBe("chrony.conf changed (makestep is re-armed by the restart)");
  });
});

describe("parsing the host's answers", () => {
  it("reads the probe: digests, missing files, chronyd state, foreign sources files", () => {
    const probe = parseProbe(`FILE ${"a".repeat(64)}\nFILE -\nRUNNING no\nFOREIGN /etc/chrony/sources.d/dhcp.sources\n`, ["/a", "/b"]);
    expect(probe).toEqual({
      files: [{ path: "/a", sha256: "a".repeat(64) }, { path: "/b", sha256: undefined }],
      running: false,
      foreignSourceFiles: ["/etc/chrony/sources.d/dhcp.sources"],
    });
  });

  it("reads the change script's steps, the failed one, chronyd's words and what was swapped", () => {
    const out = parseChangeOutput(
      [
        "STEP stage",
        "STEP validate",
        "STEP swap",
        "SWAPPED had /etc/chrony/chrony.conf",
        "SWAPPED new /etc/chrony/sources.d/cdktf-chrony.sources",
        "STEP reload",
        "FAIL reload",
        "DETAIL 2026-11-26T05:00:00Z Fatal error : Could not open /x",
        "",
      ].join("\n"),
    );
    expect(out).toEqual({
      completed: ["stage", "validate", "swap"],
      failed: "reload",
      detail: "Fatal error : Could not open /x",
      swapped: [
        { existed: true, path: "/etc/chrony/chrony.conf" },
        { existed: false, path: "/etc/chrony/sources.d/cdktf-chrony.sources" },
      ],
    });
  });
});

describe("matching live sources with the manifest", () => {
  const src = (address: string, mode: SourceReport["mode"], name?: string) => ({ address, mode, name }) as SourceReport;
  const expected = [
    { kind: "server" as const, name: "ntp.example.net", nts: false },
    { kind: "peer" as const, name: "10.0.0.2", keyId: 1, nts: false },
  ];

  it("matches by configured name, then address, and a peer only with a peer", () => {
    expect(missingSources([src("192.0.2.9", "server", "ntp.example.net"), src("10.0.0.2", "peer")], expected)).toEqual([]);
    expect(missingSources([src("192.0.2.9", "server", "ntp.example.net"), src("10.0.0.2", "server")], expected)).toEqual([expected[1]]);
  });

  it("reports NTP sources the manifest does not name, but not refclocks", () => {
    const live = [src("192.0.2.9", "server", "ntp.example.net"), src("10.0.0.2", "peer"), src("127.0.0.99", "server"), src("GPS", "refclock")];
    expect(extraSources(live, expected).map((s) => s.address)).toEqual(["127.0.0.99"]);
  });
});
