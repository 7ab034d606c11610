import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { Annotations, Testing } from "cdktf";
import { ChronyHost, ChronyHostProps, HostKeyPolicy, HostProfiles, KeySource, NtpKey } from "../../../constructs";
import { HostManifest } from "../../../lib/manifest";
import { readOutdir } from "../../../lib/deploy/outdir";
import { directive, parseDirectiveLine } from "../../../lib/model/directive";
import { testStack } from "../../helpers/synth";

// Issue #13: each test here failed on the code before the adoption work and passes after it.

const target = (n: number) => ({ address: `10.0.0.${n}`, hostKey: HostKeyPolicy.fingerprint("SHA256:" + "A".repeat(43)) });
const FIXTURES = path.join(__dirname, "../../fixtures/conf");
// Test material, made up for this file (never a real key).
process.env.TRAP_KEY_5 = "HEX:00112233445566778899AABBCCDDEEFF";

/** Synthesizes one host and returns its manifest. */
function synthOne(
  props: Omit<ChronyHostProps, "target">,
  build?: (host: ChronyHost, stack: ReturnType<typeof testStack>["stack"]) => void,
): HostManifest {
  const { stack } = testStack();
  const host = new ChronyHost(stack, "h", { target: target(1), ...props });
  build?.(host, stack);
  const out = Testing.fullSynth(stack);
  return readOutdir(out)[0].manifest;
}

const conf = (m: HostManifest) => m.files.find((f) => f.role === "conf")!.content;
/** chrony.conf's directive lines, comments and blank lines left out. */
const directiveLines = (text: string) => text.split("\n").filter((l) => parseDirectiveLine(l) !== undefined);
/** A stock config's lines without its vendor pool (a source, which the app declares). */
const stockLines = (fixture: string) => directiveLines(fs.readFileSync(path.join(FIXTURES, fixture), "utf8")).filter((l) => !l.startsWith("pool "));

describe("sources are never silently not loaded", () => {
  it("a custom profile whose base directives lack sourcedir still gets chrony.conf to read the managed sources file", () => {
    const profile = { ...HostProfiles.debian(), name: "minimal", baseDirectives: [directive("driftfile", "/var/lib/chrony/drift")] };
    const m = synthOne({ profile, servers: [{ address: "192.0.2.1" }] });
    expect(directiveLines(conf(m))).toContain("sourcedir /etc/chrony/sources.d");
    expect(m.files.find((f) => f.role === "sources")!.path).toBe("/etc/chrony/sources.d/cdktf-chrony.sources");
  });

  it("{ ...HostProfiles.debian(), sourceDir } writes the sources file where chrony.conf reads it", () => {
    const m = synthOne({ profile: { ...HostProfiles.debian(), sourceDir: "/run/x" }, servers: [{ address: "192.0.2.1" }] });
    expect(m.files.find((f) => f.role === "sources")!.path).toBe("/run/x/cdktf-chrony.sources");
    expect(directiveLines(conf(m))).toContain("sourcedir /run/x");
  });

  it("refuses at synth, with the fix, a host that leaves out the sourcedir its sources go to", () => {
    expect(() => synthOne({ omitProfileDirectives: ["sourcedir"], servers: [{ address: "192.0.2.1" }] })).toThrow(
      'host h: omitProfileDirectives[0] leaves out sourcedir, but sources go to the managed file in /etc/chrony/sources.d, which chronyd would then never read: keep sourcedir, or set sourcesPlacement: "conf"',
    );
  });
});

describe("keys are never silently not loaded", () => {
  it("a profile without keyfile plus a keyed source gets a keyfile line for the keys file", () => {
    const profile = { ...HostProfiles.debian(), name: "nokeys", baseDirectives: [] };
    const m = synthOne({ profile }, (host, stack) =>
      host.addServer("192.0.2.1", { key: new NtpKey(stack, "K", { keyId: 5, source: KeySource.env("TRAP_KEY_5") }) }),
    );
    expect(directiveLines(conf(m))).toContain("keyfile /etc/chrony/chrony.keys");
    expect(m.keys.path).toBe("/etc/chrony/chrony.keys");
  });

  it("refuses at synth, with the fix, a host that holds keys but leaves out keyfile", () => {
    expect(() =>
      synthOne({ omitProfileDirectives: ["keyfile"] }, (host, stack) =>
        host.addServer("192.0.2.1", { key: new NtpKey(stack, "K", { keyId: 5, source: KeySource.env("TRAP_KEY_5") }) }),
      ),
    ).toThrow(
      "host h holds key 5, but omitProfileDirectives[0] leaves out keyfile, so chronyd would never read /etc/chrony/chrony.keys: keep keyfile in the profile's lines",
    );
  });

  it("keyFile moves the keys file and the keyfile line together", () => {
    const m = synthOne({ keyFile: "/etc/chrony/site.keys" });
    expect(m.keys.path).toBe("/etc/chrony/site.keys");
    expect(directiveLines(conf(m))).toContain("keyfile /etc/chrony/site.keys");
    expect(directiveLines(conf(m))).not.toContain("keyfile /etc/chrony/chrony.keys");
  });
});

describe("the presets render what the distributions ship", () => {
  it("Debian 12 with no props: the stock lines in the stock order (confdir first, DHCP and sources.d sourcedirs)", () => {
    const m = synthOne({});
    expect(directiveLines(conf(m))).toEqual(stockLines("debian-12-default.conf"));
    expect(directiveLines(conf(m))[0]).toBe("confdir /etc/chrony/conf.d");
  });

  it("RHEL 9 with sources in chrony.conf: exactly the stock lines; with a sourcedir: only the managed sourcedir added, after DHCP's", () => {
    expect(directiveLines(conf(synthOne({ profile: HostProfiles.rhel(), sourcesPlacement: "conf" })))).toEqual(stockLines("rhel-9-default.conf"));
    const stock = stockLines("rhel-9-default.conf");
    const withDir = [...stock.slice(0, 1), "sourcedir /etc/chrony/sources.d", ...stock.slice(1)];
    expect(directiveLines(conf(synthOne({ profile: HostProfiles.rhel() })))).toEqual(withDir);
  });

  it("a host's confdir comes first, next to Debian's, so drop-ins keep their meaning", () => {
    const lines = directiveLines(conf(synthOne({ confDirs: ["/etc/chrony/site.d"], maxSlewRatePpm: 500 })));
    expect(lines.slice(0, 2)).toEqual(["confdir /etc/chrony/conf.d", "confdir /etc/chrony/site.d"]);
    expect(lines.at(-1)).toBe("maxslewrate 500");
  });
});

describe("typed props override the profile instead of conflicting", () => {
  it("logDir, driftFile, ntsDumpDir and makestep replace the profile's lines in place", () => {
    const lines = directiveLines(
      conf(synthOne({ logDir: "/srv/log", driftFile: "/srv/drift", ntsDumpDir: "/srv/nts", makestep: { thresholdSeconds: 0.1, limit: -1 } })),
    );
    const stock = stockLines("debian-12-default.conf");
    const expected = stock.map((l) =>
      l.startsWith("logdir ")
        ? "logdir /srv/log"
        : l.startsWith("driftfile ")
          ? "driftfile /srv/drift"
          : l.startsWith("ntsdumpdir ")
            ? "ntsdumpdir /srv/nts"
            : l.startsWith("makestep ")
              ? "makestep 0.1 -1"
              : l,
    );
    expect(lines).toEqual(expected);
  });

  it("a raw ntsdumpdir identical to the profile's is accepted", () => {
    expect(directiveLines(conf(synthOne({ rawDirectives: ["ntsdumpdir /var/lib/chrony"] })))).toEqual(stockLines("debian-12-default.conf"));
  });

  it("rtcsync: false and omitProfileDirectives leave the profile's lines out; a typo is an error", () => {
    const lines = directiveLines(conf(synthOne({ rtcsync: false, omitProfileDirectives: ["leapsectz"] })));
    expect(lines).not.toContain("rtcsync");
    expect(lines.some((l) => l.startsWith("leapsectz"))).toBe(false);
    expect(() => synthOne({ omitProfileDirectives: ["leapsecz"] })).toThrow(
      /omitProfileDirectives\[0\] 'leapsecz': give the name of a chrony directive/,
    );
  });
});

describe("every chrony 4.3 directive the issue listed has a typed prop", () => {
  it("renders each of them without rawDirectives", () => {
    const m = synthOne({
      keyFile: "/etc/chrony/chrony.keys",
      driftFile: "/var/lib/chrony/chrony.drift",
      ntsDumpDir: "/var/lib/chrony",
      dumpDir: "/var/lib/chrony",
      sourceDirs: ["/srv/sources"],
      pidFile: "/run/chronyd.pid",
      user: "_chrony",
      maxDriftPpm: 500,
      maxSlewRatePpm: 500,
      maxChange: { offsetSeconds: 1000, start: 1, ignore: 2 },
      clientLogLimitBytes: 1048576,
      mailOnChange: { email: "root@localhost", thresholdSeconds: 0.5 },
      rtcFile: "/var/lib/chrony/rtc",
      rtcOnUtc: true,
      rtcDevice: "/dev/rtc0",
      rtcAutoTrimSeconds: 30,
      hwclockFile: "/etc/adjtime",
      schedPriority: 1,
      lockAll: true,
      ntsRateLimit: { interval: 3, burst: 1 },
      ntsRefreshSeconds: 86400,
      corrTimeRatio: 3,
      combineLimit: 3,
      maxJitterSeconds: 1,
      minSamples: 4,
      maxSamples: 32,
      reselectDistSeconds: 0.0001,
      stratumWeightSeconds: 0.001,
      fallbackDrift: { minInterval: 16, maxInterval: 19 },
      initStepSlew: { thresholdSeconds: 30, servers: ["192.0.2.7"] },
      manual: true,
      smoothTime: { maxFrequencyPpm: 400, maxWanderPpmPerSecond: 0.001, leapOnly: true },
      tempComp: { sensorFile: "/sys/class/hwmon/hwmon0/temp2_input", intervalSeconds: 30, pointsFile: "/etc/chrony.tempcomp" },
      clockPrecisionSeconds: 8e-9,
      maxClockErrorPpm: 15,
      bindDevice: "eth0",
      bindAcqDevice: "eth0",
      bindCmdDevice: "eth0",
      acquisitionPort: 1123,
      dscp: 46,
      ptpPort: 319,
      broadcasts: [{ intervalSeconds: 64, address: "192.168.2.255", port: 12123 }],
      logBanner: 20,
      refclocks: [
        {
          driver: "PHC",
          parameter: "/dev/ptp0",
          precisionSeconds: 1e-9,
          dpoll: -2,
          filterSamples: 16,
          ppsRate: 1,
          maxLockAge: 3,
          maxDispersionSeconds: 0.01,
          widthSeconds: 0.2,
          local: true,
          tai: true,
        },
      ],
      hwTimestamping: [{ interface: "eth0", txCompSeconds: 3e-7, rxCompSeconds: 6.45e-7, minSamples: 2, maxSamples: 16, precisionSeconds: 1e-7 }],
    });
    const lines = directiveLines(conf(m));
    for (const name of [
      "driftfile",
      "keyfile",
      "ntsdumpdir",
      "dumpdir",
      "pidfile",
      "user",
      "maxdrift",
      "maxslewrate",
      "maxchange",
      "clientloglimit",
      "mailonchange",
      "rtcfile",
      "rtconutc",
      "rtcdevice",
      "rtcautotrim",
      "hwclockfile",
      "sched_priority",
      "lock_all",
      "ntsratelimit",
      "ntsrefresh",
      "corrtimeratio",
      "combinelimit",
      "maxjitter",
      "minsamples",
      "maxsamples",
      "reselectdist",
      "stratumweight",
      "fallbackdrift",
      "initstepslew",
      "manual",
      "smoothtime",
      "tempcomp",
      "clockprecision",
      "maxclockerror",
      "binddevice",
      "bindacqdevice",
      "bindcmddevice",
      "acquisitionport",
      "dscp",
      "ptpport",
      "broadcast",
      "logbanner",
    ]) {
      expect(
        lines.some((l) => l.split(" ")[0] === name),
        name,
      ).toBe(true);
    }
    expect(lines).toContain("sourcedir /srv/sources");
    expect(lines).toContain("refclock PHC /dev/ptp0 dpoll -2 filter 16 rate 1 maxlockage 3 precision 1e-9 maxdispersion 0.01 width 0.2 local tai");
    expect(lines).toContain("hwtimestamp eth0 minsamples 2 maxsamples 16 precision 1e-7 txcomp 3e-7 rxcomp 6.45e-7");
    // rtcfile takes the place of the profile's rtcsync (chronyd refuses both).
    expect(lines).not.toContain("rtcsync");
  });
});

describe("valid chrony 4.3 lines are accepted with a warning, not refused", () => {
  it("ntscachedir, commandkey, generatecommandkey and linux_hz", () => {
    const { stack } = testStack();
    const host = new ChronyHost(stack, "old", {
      target: target(1),
      omitProfileDirectives: ["ntsdumpdir"],
      rawDirectives: ["ntscachedir /var/lib/chrony", "commandkey 1", "generatecommandkey", "linux_hz 100"],
    });
    Testing.fullSynth(stack);
    const warnings = host.node.metadata.filter((e) => e.type === "@cdktf/warn").map((e) => String(e.data));
    expect(warnings).toEqual([
      expect.stringContaining("'ntscachedir /var/lib/chrony' is obsolete in chrony 4.3: it is the old name of ntsdumpdir"),
      expect.stringContaining("'commandkey 1' is obsolete in chrony 4.3: command authentication was removed in chrony 2.2"),
      expect.stringContaining("'generatecommandkey' is obsolete"),
      expect.stringContaining("'linux_hz 100' is obsolete"),
    ]);
    void Annotations;
  });
});

describe("names", () => {
  it("pools take address like servers (or name)", () => {
    const m = synthOne({ pools: [{ address: "2.debian.pool.ntp.org", iburst: true }, { name: "pool.ntp.org" }] });
    expect(m.files.find((f) => f.role === "sources")!.content).toContain("pool 2.debian.pool.ntp.org iburst\npool pool.ntp.org\n");
    expect(() => synthOne({ pools: [{ iburst: true }] })).toThrow(/a pool needs its DNS name in exactly one of name or address/);
  });

  it('allow: ["all"] writes a bare allow (every address)', () => {
    expect(directiveLines(conf(synthOne({ allow: ["all"], cmdAllow: ["127.0.0.1"] })))).toEqual(
      expect.arrayContaining(["allow", "cmdallow 127.0.0.1"]),
    );
  });

  it("a profile copied from a preset does not claim to be the preset", () => {
    expect(conf(synthOne({}))).toContain("\n# Host profile: debian\n");
    expect(conf(synthOne({ profile: { ...HostProfiles.debian(), keysGroup: "ntp" } }))).toContain(
      "\n# Host profile: debian, with keysGroup changed\n",
    );
  });
});

describe("a port prop cannot silently move a server away from the hosts that use it", () => {
  it("refuses a host whose port differs from the profile's ntpPort when another host points at it", () => {
    const { stack } = testStack();
    const server = new ChronyHost(stack, "s", { target: target(1), port: 11123 });
    new ChronyHost(stack, "c", { target: target(2) }).addServer(server);
    expect(() => Testing.synth(stack)).toThrow(
      "host s serves NTP on port 11123, but c reaches it on its profile's ntpPort 123: set the profile's ntpPort to 11123 (e.g. { ...HostProfiles.debian(), ntpPort: 11123 }), or drop the port prop",
    );
  });
});
