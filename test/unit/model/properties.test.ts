import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChronyConfigProps, buildChronyConfig } from "../../../lib/model/chrony-config";
import { ConfigError } from "../../../lib/model/config-error";
import { Directive, parseDirectiveLine } from "../../../lib/model/directive";
import { PoolOptions, SOURCE_OPTION_TABLE, SourceKind, sourceDirective } from "../../../lib/model/areas/sources";
import { debianProfile } from "../../../lib/model/profiles/presets";
import { validateDirective } from "../../../lib/model/validate-directive";
import { isAtLeast, parseChronyVersion } from "../../../lib/model/version";
import { composeConf } from "../../../lib/model/profiles/compose-conf";
import { renderHostFiles } from "../../../lib/render/host-files";

// Properties of the model with fast-check (fixed seed, printed with the counterexample on failure):
// what we render reads back, line for line, as the directives we built; and no typed value can
// smuggle whitespace or a control character into chrony.conf.

const RUNS = { seed: 0x5eed_c0de, numRuns: 300 } as const;
const V43 = parseChronyVersion("4.3");

const ipv4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map((p) => p.join("."));
const hostname = fc
  .array(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/), { minLength: 1, maxLength: 3 })
  .map((labels) => `${labels.join(".")}.example`);
const path = fc.array(fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/), { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join("/")}`);

/** A valid value for one source option row, from the range its grammar allows. */
function optionValue(word: string): fc.Arbitrary<unknown> {
  const ranges: Record<string, fc.Arbitrary<unknown>> = {
    minpoll: fc.integer({ min: -7, max: 24 }),
    maxpoll: fc.integer({ min: -7, max: 24 }),
    key: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
    ntsport: fc.integer({ min: 1, max: 65535 }),
    certset: fc.nat(1000),
    port: fc.integer({ min: 1, max: 65535 }),
    maxdelay: fc.double({ min: 0, max: 1000, noNaN: true }),
    maxdelayratio: fc.double({ min: 1, max: 100, noNaN: true }),
    maxdelaydevratio: fc.double({ min: 0, max: 100, noNaN: true }),
    maxdelayquant: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
    mindelay: fc.double({ min: 0, max: 10, noNaN: true }),
    asymmetry: fc.double({ min: -0.5, max: 0.5, noNaN: true }),
    offset: fc.double({ min: -10, max: 10, noNaN: true }),
    minsamples: fc.nat(64),
    maxsamples: fc.nat(64),
    filter: fc.integer({ min: 1, max: 256 }),
    polltarget: fc.integer({ min: 6, max: 60 }),
    presend: fc.integer({ min: -7, max: 24 }),
    minstratum: fc.nat(15),
    version: fc.integer({ min: 1, max: 4 }),
    maxsources: fc.integer({ min: 1, max: 16 }),
    extfield: fc.constant("F323"),
  };
  return ranges[word] ?? fc.constant(true);
}

/** Source options valid for `kind` on chrony 4.3. */
function sourceOptions(kind: SourceKind): fc.Arbitrary<PoolOptions> {
  const rows = SOURCE_OPTION_TABLE.filter((r) => !r.notFor?.includes(kind) && isAtLeast(V43, r.since));
  return fc.record(Object.fromEntries(rows.map((r) => [r.prop, optionValue(r.word)])), { requiredKeys: [] }) as fc.Arbitrary<PoolOptions>;
}

const source = fc
  .constantFrom<SourceKind>("server", "pool", "peer")
  .chain((kind) => fc.tuple(fc.constant(kind), kind === "pool" ? hostname : fc.oneof(ipv4, hostname), sourceOptions(kind)));

const config: fc.Arbitrary<ChronyConfigProps> = fc.record(
  {
    allow: fc.array(
      fc.oneof(
        ipv4,
        ipv4.map((a) => `${a}/24`),
      ),
      { maxLength: 3 },
    ),
    cmdAllow: fc.array(ipv4, { maxLength: 2 }),
    makestep: fc.record({ thresholdSeconds: fc.double({ min: 0, max: 100, noNaN: true }), limit: fc.integer({ min: -1, max: 100 }) }),
    maxUpdateSkewPpm: fc.double({ min: 0, max: 1000, noNaN: true }),
    rtcsync: fc.boolean(),
    local: fc.record({ stratum: fc.integer({ min: 1, max: 15 }), orphan: fc.boolean() }, { requiredKeys: [] }),
    log: fc.subarray(["measurements", "statistics", "tracking"] as const),
    confDirs: fc.array(path, { maxLength: 2 }),
    leapSecTz: fc.constantFrom("right/UTC", "Europe/Paris"),
  },
  { requiredKeys: [] },
);

describe("rendered configuration reads back as the directives it was built from", () => {
  it("for generated valid configs and sources: render → parseDirectiveLine gives the same directives", () => {
    fc.assert(
      fc.property(config, fc.array(source, { maxLength: 5 }), (props, sources) => {
        const built = buildChronyConfig(props);
        const lines: Directive[] = sources.map(([kind, address, options]) => sourceDirective(kind, address, options));
        for (const d of lines) validateDirective(d, V43);
        const withSources = { ...built, sources: lines };
        const composed = composeConf(withSources, debianProfile(), { heldKeyIds: new Set() });
        const [conf, sourcesFile] = renderHostFiles(withSources, debianProfile(), { composed });
        const parse = (text: string) => text.split("\n").flatMap((l) => parseDirectiveLine(l) ?? []);
        // The profile's lines with the host's replacements in place, then the host's other lines.
        expect(parse(conf.content)).toEqual([...composed.base, ...composed.host]);
        expect(parse(sourcesFile.content)).toEqual(lines);
        // Every directive the props built is there (once), whether it replaced a profile line or not.
        for (const d of built.directives) expect(parse(conf.content)).toContainEqual(d);
      }),
      RUNS,
    );
  });
});

describe("no typed value can bring whitespace or a control character into chrony.conf", () => {
  // Every way a string reaches a directive: each is given a valid value with one injected character.
  const injectors: ReadonlyArray<readonly [string, (s: string) => ChronyConfigProps]> = [
    ["confDirs", (s) => ({ confDirs: [s] })],
    ["includes", (s) => ({ includes: [s] })],
    ["logDir", (s) => ({ logDir: s })],
    ["ntsServerKeys.keyFile", (s) => ({ ntsServerKeys: [{ keyFile: s, certFile: "/etc/chrony/c.crt" }] })],
    ["ntsServerKeys.certFile", (s) => ({ ntsServerKeys: [{ keyFile: "/etc/chrony/k.key", certFile: s }] })],
    ["ntsTrustedCerts", (s) => ({ ntsTrustedCerts: [{ path: s }] })],
    ["leapSecTz", (s) => ({ leapSecTz: s })],
    ["ntsNtpServer", (s) => ({ ntsNtpServer: s })],
    ["hwTimestamping.interface", (s) => ({ hwTimestamping: [{ interface: s }] })],
    ["bindCmdAddresses", (s) => ({ bindCmdAddresses: [s] })],
    ["allow", (s) => ({ allow: [s] })],
    ["refclocks.parameter", (s) => ({ refclocks: [{ driver: "SHM", parameter: s }] })],
  ];
  const valid: Record<string, string> = {
    confDirs: "/etc/chrony/conf.d",
    includes: "/etc/chrony/extra.conf",
    logDir: "/var/log/chrony",
    "ntsServerKeys.keyFile": "/etc/chrony/k.key",
    "ntsServerKeys.certFile": "/etc/chrony/c.crt",
    ntsTrustedCerts: "/etc/chrony/ca.pem",
    leapSecTz: "right/UTC",
    ntsNtpServer: "ntp.example",
    "hwTimestamping.interface": "eth0",
    bindCmdAddresses: "/run/chrony/chronyd.sock",
    allow: "10.1.0.0/16",
    "refclocks.parameter": "0",
  };
  const bad = fc.oneof(
    fc.constantFrom("\n", "\r", "\t", " ", "\u000b", "\f"),
    fc.integer({ min: 0, max: 31 }).map((c) => String.fromCharCode(c)),
    fc.constant("\u007f"),
  );

  it("refuses each injected character in each typed value, before anything is rendered", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...injectors),
        bad,
        fc.nat(40),
        fc.constantFrom("", "server 192.0.2.77 iburst", "cmdallow all"),
        ([name, build], ch, at, tail) => {
          const base = valid[name];
          const i = Math.min(at, base.length);
          const value = `${base.slice(0, i)}${ch}${tail}${base.slice(i)}`;
          let error: unknown;
          try {
            buildChronyConfig(build(value));
          } catch (err) {
            error = err;
          }
          expect(error, `${name} = ${JSON.stringify(value)}`).toBeInstanceOf(ConfigError);
          expect((error as Error).message).not.toContain("\n");
        },
      ),
      RUNS,
    );
  });

  it("takes each of those values without the injected character (the generator's baseline is valid)", () => {
    for (const [name, build] of injectors) expect(() => buildChronyConfig(build(valid[name])), name).not.toThrow();
  });

  it("refuses a raw directive with more than one line", () => {
    expect(() => buildChronyConfig({ rawDirectives: ["maxslewrate 500\ncmdallow all"] })).toThrow(
      'rawDirectives[0] holds more than one line ("maxslewrate 500\\ncmdallow all"): give one directive per entry',
    );
  });
});
