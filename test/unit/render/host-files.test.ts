import { describe, expect, it } from "vitest";
import { debianProfile, rhelProfile } from "../../../lib/model/profiles/presets";
import { renderHostFiles, renderKeyFile } from "../../../lib/render/host-files";
import { SAMPLE_CONFIGS, buildSample } from "../../fixtures/configs";

const debian = debianProfile();

function changedLines(a: string, b: string): Array<[string, string]> {
  const la = a.split("\n");
  const lb = b.split("\n");
  expect(la.length).toBe(lb.length);
  return la.flatMap((line, i) => (line === lb[i] ? [] : [[line, lb[i]] as [string, string]]));
}

describe("renderHostFiles", () => {
  it("renders the same bytes for the same model", () => {
    for (const props of Object.values(SAMPLE_CONFIGS)) {
      const a = renderHostFiles(buildSample(props), debian);
      const b = renderHostFiles(buildSample(structuredClone(props)), debian);
      expect(a).toEqual(b);
    }
  });

  it("puts sources in the managed sources file and a note in chrony.conf", () => {
    const [conf, sources] = renderHostFiles(buildSample(SAMPLE_CONFIGS.minimalClient), debian);
    expect(conf.path).toBe("/etc/chrony/chrony.conf");
    expect(conf.content).toContain("sourcedir /etc/chrony/sources.d\n");
    expect(conf.content).not.toMatch(/^server /m);
    expect(sources).toMatchObject({ path: "/etc/chrony/sources.d/cdktf-chrony.sources", role: "sources", mode: 0o644 });
    expect(sources.content.endsWith("server 192.0.2.1 iburst\n")).toBe(true);
  });

  it("keeps sources in chrony.conf when asked, without the managed sourcedir (RHEL's own DHCP sourcedir stays)", () => {
    const files = renderHostFiles(buildSample(SAMPLE_CONFIGS.inConf), rhelProfile());
    expect(files).toHaveLength(1);
    expect(files[0].path).toBe("/etc/chrony.conf");
    expect(files[0].content).toContain("server 192.0.2.60 iburst\n");
    expect(files[0].content.match(/^sourcedir .*$/gm)).toEqual(["sourcedir /run/chrony-dhcp"]);
  });

  it("changes exactly one line when one field changes", () => {
    const before = renderHostFiles(buildSample(SAMPLE_CONFIGS.server), debian);
    const after = renderHostFiles(buildSample({ ...SAMPLE_CONFIGS.server, local: { stratum: 9, orphan: true, distanceSeconds: 0.5 } }), debian);
    expect(changedLines(before[0].content, after[0].content)).toEqual([
      ["local stratum 10 orphan distance 0.5", "local stratum 9 orphan distance 0.5"],
    ]);
    expect(before[1]).toEqual(after[1]);

    const s1 = renderHostFiles(buildSample({ servers: [{ address: "192.0.2.1", maxPoll: 8 }, { address: "192.0.2.2" }] }), debian);
    const s2 = renderHostFiles(buildSample({ servers: [{ address: "192.0.2.1", maxPoll: 9 }, { address: "192.0.2.2" }] }), debian);
    expect(s1[0]).toEqual(s2[0]);
    expect(changedLines(s1[1].content, s2[1].content)).toEqual([["server 192.0.2.1 maxpoll 8", "server 192.0.2.1 maxpoll 9"]]);
  });
});

describe("renderKeyFile", () => {
  it("sorts keys by ID under a note, whatever the input order", () => {
    const text = renderKeyFile([
      { id: 20, line: "20 SHA256 HEX:AA" },
      { id: 3, line: "3 MD5 HEX:BB" },
    ]);
    expect(text.split("\n").filter((l) => !l.startsWith("#"))).toEqual(["3 MD5 HEX:BB", "20 SHA256 HEX:AA", ""]);
  });
});
