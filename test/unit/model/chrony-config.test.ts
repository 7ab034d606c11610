import { describe, expect, it } from "vitest";
import { checkHostConfig } from "../../../lib/model/validate-config";
import { debianProfile, sandboxProfile } from "../../../lib/model/profiles/presets";
import { directiveLine } from "../../../lib/model/directive";
import { SAMPLE_CONFIGS, buildSample } from "../../fixtures/configs";

const debian = debianProfile();

describe("buildChronyConfig", () => {
  it("builds every sample configuration", () => {
    for (const [name, props] of Object.entries(SAMPLE_CONFIGS)) {
      expect(() => buildSample(props), name).not.toThrow();
    }
  });

  it("writes typed source options as chrony's words, flags first", () => {
    const config = buildSample({ servers: [{ address: "192.0.2.1", maxPoll: 9, iburst: true, keyId: 5, maxDelaySeconds: 0.3 }] });
    expect(config.sources.map(directiveLine)).toEqual(["server 192.0.2.1 iburst maxpoll 9 key 5 maxdelay 0.3"]);
  });

  it("defaults to a sourcedir on chrony 4.x and to chrony.conf before 4.0", () => {
    expect(buildSample({}).sourcesPlacement).toBe("sourcedir");
    expect(buildSample({ chronyVersion: "3.5" }).sourcesPlacement).toBe("conf");
  });

  it("fails on sourcedir placement for chrony older than 4.0", () => {
    expect(() => buildSample({ chronyVersion: "3.5", sourcesPlacement: "sourcedir" })).toThrow(
      `sourcesPlacement "sourcedir" needs chrony 4.0 or newer (sourcedir and 'reload sources' came in 4.0), but this host runs 3.5: use "conf"`,
    );
  });

  it("checks raw directives like typed ones, and moves raw sources to the sources", () => {
    const config = buildSample(SAMPLE_CONFIGS.raw);
    expect(config.sources.map(directiveLine)).toContain("server 192.0.2.51 iburst");
    expect(() => buildSample({ rawDirectives: ["maxslewrate fast"] })).toThrow(
      "invalid 'maxslewrate fast': maxslewrate rate (ppm) must be a number ≥ 0, got 'fast'",
    );
    expect(() => buildSample({ rawDirectives: ["# just a comment"] })).toThrow(
      "rawDirectives[0] is empty or a comment ('# just a comment'): give one directive per entry",
    );
  });

  it("fails on typed values out of range, naming the directive", () => {
    expect(() => buildSample({ servers: [{ address: "192.0.2.1", minPoll: 99 }] })).toThrow(/minpoll must be an integer from -7 to 24, got '99'/);
    expect(() => buildSample({ local: { stratum: 0 } })).toThrow(/stratum must be an integer from 1 to 15, got '0'/);
    expect(() => buildSample({ allow: ["10.0.0.0/33"] })).toThrow(/prefix length from 0 to 32/);
    expect(() => buildSample({ chronyVersion: "4.2", servers: [{ address: "192.0.2.1", maxDelayQuantile: 0.2 }] })).toThrow(
      /maxdelayquant needs chrony 4\.3 or newer \(this host runs 4\.2\)/,
    );
  });
});

describe("checkHostConfig", () => {
  const held = new Set<number>([1]);

  it("fails when a source uses a key the host does not hold", () => {
    const config = buildSample({ servers: [{ address: "192.0.2.1", keyId: 7 }] });
    expect(() => checkHostConfig(config, debian, held, "c1")).toThrow(
      "host c1: 'server 192.0.2.1 key 7' uses key 7, which the host does not hold: add that NtpKey to the host's keys, or use an NtpKey object in the source so it is distributed",
    );
  });

  it("lets the host's line replace the profile's in place, and refuses two host lines that set the same thing", () => {
    const config = buildSample({ rawDirectives: ["driftfile /tmp/drift"] });
    const composed = checkHostConfig(config, debian, held, "c1").composed;
    expect(composed.base.map(directiveLine)).toContain("driftfile /tmp/drift");
    expect(composed.base.map(directiveLine)).not.toContain("driftfile /var/lib/chrony/chrony.drift");
    expect(composed.host).toEqual([]);
    const sandbox = sandboxProfile({ root: "/sb/h1/root", address: "127.0.0.11", ntpPort: 11101, cmdPort: 11301 });
    expect(checkHostConfig(buildSample({ port: 123 }), sandbox, held, "h1").composed.base.map(directiveLine)).toContain("port 123");
    expect(() => checkHostConfig(buildSample({ driftFile: "/a", rawDirectives: ["driftfile /b"] }), debian, held, "c1")).toThrow(
      "host c1: 'driftfile /a' and 'driftfile /b' set the same thing; chronyd would use only the last: keep one",
    );
  });

  it("fails on two sources with one address, and on rtcsync with rtcfile", () => {
    const twice = buildSample({ servers: [{ address: "192.0.2.1" }, { address: "192.0.2.1", iburst: true }] });
    expect(() => checkHostConfig(twice, debian, held, "c1")).toThrow(/name the same source 192\.0\.2\.1: keep one/);
    const rtc = buildSample({ rtcsync: true, rawDirectives: ["rtcfile /var/lib/chrony/rtc"] });
    expect(() => checkHostConfig(rtc, debian, held, "c1")).toThrow(
      "host c1: rtcsync cannot be combined with rtcfile (chronyd refuses it): choose one",
    );
  });

  it("warns about a wide cmdallow and about cmdallow on a loopback-only command port", () => {
    const wide = checkHostConfig(buildSample({ cmdAllow: ["0/0"], bindCmdAddresses: ["0.0.0.0"] }), debian, held, "s1");
    expect(wide.warnings).toEqual([
      "host s1: 'cmdallow 0/0' lets all of 0/0 query chronyd's monitoring commands: narrow it to your monitoring hosts",
    ]);
    const loopback = checkHostConfig(buildSample({ cmdAllow: ["10.0.9.5"] }), debian, held, "s1");
    expect(loopback.warnings[0]).toMatch(/'cmdallow 10\.0\.9\.5' has no effect while chronyd's command port listens on loopback only/);
    const narrow = checkHostConfig(buildSample({ cmdAllow: ["10.0.9.5"], bindCmdAddresses: ["10.0.0.1"] }), debian, held, "s1");
    expect(narrow.warnings).toEqual([]);
  });
});
