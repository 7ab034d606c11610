import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { HostSnapshot } from "../../../lib/import/host-snapshot";
import { importHost } from "../../../lib/import/import-host";
import { linkFleet } from "../../../lib/import/import-fleet";
import { generateMainTs } from "../../../lib/import/generate-app";

const DEBIAN_STOCK = fs.readFileSync(path.join(__dirname, "../../fixtures/corpus/debian-12-default.conf"), "utf8");

function snapshot(conf: string, extra: Partial<HostSnapshot> = {}): HostSnapshot {
  return {
    name: "h",
    origin: "h.conf",
    conf: { path: "/etc/chrony/chrony.conf", text: conf },
    included: [],
    sourceFiles: [],
    chronyVersion: "4.3",
    layout: { kind: "debian" },
    notes: [],
    ...extra,
  };
}

const errors = (h: ReturnType<typeof importHost>) => h.reports.filter((r) => r.level === "error");

describe("importHost", () => {
  it("keeps Debian's stock file as the preset with no props; its pool stays in chrony.conf", () => {
    const h = importHost(snapshot(DEBIAN_STOCK));
    expect(h.profile).toEqual({ layout: { kind: "debian" }, stockLines: true, overrides: {} });
    expect(h.props).toEqual({});
    expect(h.sourcesPlacement).toBe("conf");
    expect(h.sources).toEqual([{ kind: "pool", address: "2.debian.pool.ntp.org", options: { iburst: true }, at: "/etc/chrony/chrony.conf:10" }]);
    expect(errors(h)).toEqual([]);
  });

  it("writes only what a host changed from the stock file: a changed value as its prop, a removed line as an omission", () => {
    const conf =
      DEBIAN_STOCK.replace("makestep 1 3", "makestep 0.1 -1")
        .replace("leapsectz right/UTC", "")
        .replace("logdir /var/log/chrony", "logdir /srv/log") + "maxslewrate 500\n";
    const h = importHost(snapshot(conf));
    expect(h.profile.stockLines).toBe(true);
    expect(h.props).toEqual({
      omitProfileDirectives: ["leapsectz"],
      logDir: "/srv/log",
      makestep: { thresholdSeconds: 0.1, limit: -1 },
      maxSlewRatePpm: 500,
    });
    expect(errors(h)).toEqual([]);
  });

  it("writes the profile out when the host is far from the distribution's file", () => {
    const h = importHost(snapshot("pool pool.ntp.org iburst\nmakestep 1.0 3\ndriftfile /var/lib/chrony/chrony.drift\nrtcsync\ncmdport 0\n"));
    expect(h.profile.stockLines).toBe(false);
    expect(h.props).toEqual({ makestep: { thresholdSeconds: 1, limit: 3 }, driftFile: "/var/lib/chrony/chrony.drift", rtcsync: true, cmdPort: 0 });
  });

  it("reports a line chronyd would refuse with its file and line, and leaves it out", () => {
    const h = importHost(snapshot("server 192.0.2.1 iburst\nmakestep fast 3\nsever 192.0.2.2\n"));
    expect(errors(h).map((r) => [r.at, r.message])).toEqual([
      ["/etc/chrony/chrony.conf:2", "invalid 'makestep fast 3': makestep threshold (seconds) must be a number ≥ 0, got 'fast'; not imported"],
      ["/etc/chrony/chrony.conf:3", expect.stringMatching(/^unknown directive 'sever' .* chronyd 4\.3 refuses to start on it/)],
    ]);
    expect(h.notImported.map((n) => n.line)).toEqual(["makestep fast 3", "sever 192.0.2.2"]);
    expect(generateMainTs(linkFleet([h]))).toContain(
      "  // Not imported: chronyd would refuse these lines (see the import's report):\n  //   /etc/chrony/chrony.conf:2: makestep fast 3\n",
    );
  });

  it("imports the last of lines chronyd reads once, and warns about the earlier one", () => {
    const h = importHost(snapshot("makestep 1 3\nserver 192.0.2.1\nmakestep 0.5 -1\n"));
    expect(h.props.makestep).toEqual({ thresholdSeconds: 0.5, limit: -1 });
    expect(h.reports).toContainEqual({
      at: "/etc/chrony/chrony.conf:1",
      level: "warning",
      message: "'makestep 1 3' is overridden by line 3 ('makestep 0.5 -1'), as chronyd reads it: only the later line is imported",
    });
  });

  it("keeps allow/deny as lists when every allow comes first, as ordered accessRules otherwise or with `all`", () => {
    expect(importHost(snapshot("allow 10/8\nallow\ndeny 10.1/16\n")).props).toMatchObject({ allow: ["10/8", "all"], deny: ["10.1/16"] });
    expect(importHost(snapshot("deny 10.1/16\nallow 10/8\ncmdallow 127.0.0.1\nallow all 10.2/16\n")).props).toMatchObject({
      cmdAllow: ["127.0.0.1"],
      accessRules: [
        { directive: "deny", subnet: "10.1/16" },
        { directive: "allow", subnet: "10/8" },
        { directive: "allow", subnet: "10.2/16", all: true },
      ],
    });
  });

  it("writes ntscachedir as ntsdumpdir, and keeps lines chronyd ignores as raw with the reason", () => {
    const h = importHost(snapshot("ntscachedir /var/lib/chrony\ncommandkey 1\nlinux_hz 100\n", { chronyVersion: "4.3" }));
    expect(h.props).toMatchObject({ ntsDumpDir: "/var/lib/chrony" });
    expect(h.raw.map((r) => [r.line, r.why.split(":")[0]])).toEqual([
      ["commandkey 1", "obsolete in chrony 4.3"],
      ["linux_hz 100", "obsolete in chrony 4.3"],
    ]);
    expect(errors(h)).toEqual([]);
  });

  it("passes through, as raw lines, what a host newer than the modelled grammar may know", () => {
    const h = importHost(snapshot("server 192.0.2.1 iburst frobnicate\nnewdirective 3\nmakestep 1 3\n", { chronyVersion: "4.9" }));
    expect(h.raw.map((r) => r.line)).toEqual(["server 192.0.2.1 iburst frobnicate", "newdirective 3"]);
    expect(h.props).toMatchObject({ chronyVersion: "4.9", makestep: { thresholdSeconds: 1, limit: 3 } });
    expect(errors(h)).toEqual([]);
  });

  it("takes over the one *.sources file of a sourcedir; with several, leaves them and keeps sources in chrony.conf", () => {
    const one = importHost(
      snapshot(DEBIAN_STOCK.replace("pool 2.debian.pool.ntp.org iburst", ""), {
        sourceFiles: [{ path: "/etc/chrony/sources.d/site.sources", text: "server 192.0.2.1 iburst\n" }],
      }),
    );
    expect(one.sourcesPlacement).toBe("sourcedir");
    expect(one.profile.overrides).toEqual({ sourceDir: "/etc/chrony/sources.d", sourcesFileName: "site.sources" });
    expect(one.sources.map((s) => s.at)).toEqual(["/etc/chrony/sources.d/site.sources:1"]);
    const two = importHost(
      snapshot(DEBIAN_STOCK, {
        sourceFiles: [
          { path: "/etc/chrony/sources.d/a.sources", text: "server 192.0.2.1\n" },
          { path: "/etc/chrony/sources.d/b.sources", text: "server 192.0.2.2\n" },
          { path: "/run/chrony-dhcp/eth0.sources", text: "server 192.0.2.3\n" },
        ],
      }),
    );
    expect(two.sourcesPlacement).toBe("conf");
    expect(two.reports.filter((r) => r.message.startsWith("left on the host")).map((r) => r.at)).toEqual([
      "/etc/chrony/sources.d/a.sources",
      "/etc/chrony/sources.d/b.sources",
    ]);
  });

  it("reports drop-ins whose lines chrony.conf overrides after them, since the app reads drop-ins first", () => {
    const included = [{ path: "/etc/chrony/conf.d/site.conf", text: "makestep 0.1 -1\n" }];
    const late = importHost(snapshot("makestep 1 3\nserver 192.0.2.1\nconfdir /etc/chrony/conf.d\n", { included }));
    expect(errors(late)).toEqual([
      {
        at: "/etc/chrony/chrony.conf:3",
        level: "error",
        message: expect.stringContaining("chrony.conf sets what its drop-ins set, after them; the app reads drop-ins first"),
      },
    ]);
    expect(errors(importHost(snapshot("confdir /etc/chrony/conf.d\nmakestep 1 3\nserver 192.0.2.1\n", { included })))).toEqual([]);
  });

  it("reads chrony.keys without ever quoting material, and names keys it cannot declare", () => {
    const keys = {
      path: "/etc/chrony/chrony.keys",
      text: "1 SHA1 HEX:00112233445566778899AABBCCDDEEFF00112233\n2 TIGER HEX:0011223344556677889900112233445566778899\n3 AES128 HEX:0011\nbad line with secretword here\n",
    };
    const h = importHost(snapshot("keyfile /etc/chrony/chrony.keys\nserver 192.0.2.1 key 1\n", { keys }));
    expect(h.keys.map((k) => [k.id, k.type])).toEqual([[1, "SHA1"]]);
    expect(h.undeclaredKeyIds).toEqual([2, 3]);
    const text = JSON.stringify(h.reports) + generateMainTs(linkFleet([h]));
    for (const secret of ["00112233445566778899AABBCCDDEEFF00112233", "0011223344556677889900112233445566778899", "secretword"])
      expect(text).not.toContain(secret);
    expect(generateMainTs(linkFleet([h]))).toContain(
      '  // undeclaredKeys is left unset ("refuse"): chrony.keys also holds key 2, 3, which could not be imported;',
    );
  });
});

describe("linkFleet", () => {
  const target = (address: string) => ({ target: { address } });
  const keys = (text: string) => ({ keys: { path: "/etc/chrony/chrony.keys", text } });
  const K1 = "1 SHA256 HEX:0102030405060708090A0B0C0D0E0F10\n";

  it("turns a source that is another imported host into a reference, and a shared key into one NtpKey", () => {
    const server = importHost(
      snapshot("keyfile /etc/chrony/chrony.keys\nallow 10.0.0.0/24\nlocal stratum 8\n", { name: "ntp1", ...target("10.0.0.1"), ...keys(K1) }),
    );
    const client = importHost(
      snapshot("keyfile /etc/chrony/chrony.keys\nserver 10.0.0.1 iburst key 1\nserver 192.0.2.9\n", {
        name: "c1",
        ...target("10.0.0.5"),
        ...keys(K1),
      }),
    );
    const fleet = linkFleet([server, client]);
    expect(fleet.links.map((l) => [l.from, l.to, l.source.kind, l.source.options, l.source.keyId])).toEqual([
      ["c1", "ntp1", "server", { iburst: true }, 1],
    ]);
    expect(fleet.hosts[1].sources.map((s) => s.address)).toEqual(["192.0.2.9"]);
    expect(fleet.keys.map((k) => [k.id, k.holders])).toEqual([[1, ["ntp1", "c1"]]]);
    const main = generateMainTs(fleet);
    expect(main).toContain("c1.addServer(ntp1, { iburst: true, key: key1 }); // /etc/chrony/chrony.conf:2");
    expect(main).toContain(
      'const key1 = new NtpKey(stack, "key-1", { keyId: 1, type: "SHA256", source: KeySource.keyStore() }); // held by ntp1, c1',
    );
    expect(main).not.toContain("0102030405060708090A0B0C0D0E0F10");
    expect(generateMainTs(linkFleet([server, client]))).toBe(main);
  });

  it("reports one key ID with two materials, and a key no chrony.keys holds", () => {
    const a = importHost(snapshot("keyfile /etc/chrony/chrony.keys\n", { name: "a", ...target("10.0.0.1"), ...keys(K1) }));
    const b = importHost(
      snapshot("keyfile /etc/chrony/chrony.keys\nserver 192.0.2.1 key 7\n", {
        name: "b",
        ...target("10.0.0.2"),
        ...keys("1 SHA256 HEX:FFFF030405060708090A0B0C0D0E0F10\n"),
      }),
    );
    const fleet = linkFleet([a, b]);
    expect(fleet.reports.map((r) => [r.host, r.report.level, r.report.message.split(":")[0]])).toEqual([
      ["b", "error", "key 1 differs from key 1 of a"],
      ["b", "error", "its server 192.0.2.1 uses key 7, which is in no imported chrony.keys"],
    ]);
  });

  it("gives two hosts with one name distinct construct ids", () => {
    const fleet = linkFleet([
      importHost(snapshot("server 192.0.2.1\n", { name: "ntp" })),
      importHost(snapshot("server 192.0.2.1\n", { name: "ntp" })),
    ]);
    expect(fleet.hosts.map((h) => h.name)).toEqual(["ntp", "ntp-2"]);
  });
});

describe("importHost with --sources-placement sourcedir", () => {
  it("moves chrony.conf's sources into the managed file, adding its sourcedir line when the host has none", () => {
    const h = importHost(snapshot("server 192.0.2.1 iburst\ndriftfile /var/lib/chrony/drift\nsourcedir /srv/extra\nmakestep 1 3\n"), {
      sourcesPlacement: "sourcedir",
    });
    expect(h.sourcesPlacement).toBe("sourcedir");
    expect(h.props).toMatchObject({ sourceDirs: ["/srv/extra"] });
    expect(h.reports).toContainEqual({ level: "info", message: "the app adds 'sourcedir /etc/chrony/sources.d' for its managed sources file" });
    expect(errors(h)).toEqual([]);
  });
});

describe("importHost with an unpaired NTS server key", () => {
  it("reports the line once, lists it as not imported, and still reproduces the rest", () => {
    const h = importHost(snapshot("ntsserverkey /etc/a.key\nntsservercert /etc/a.crt\nntsserverkey /etc/b.key\nserver 192.0.2.1\n"));
    expect(h.props.ntsServerKeys).toEqual([{ keyFile: "/etc/a.key", certFile: "/etc/a.crt" }]);
    expect(errors(h).map((r) => r.at)).toEqual(["/etc/chrony/chrony.conf:3"]);
    expect(h.notImported.map((n) => n.line)).toEqual(["ntsserverkey /etc/b.key"]);
  });
});

describe("importHost of a taken-over sources file on a host newer than the grammar", () => {
  it("keeps a source line with an unknown option raw, in the managed file", () => {
    const h = importHost(
      snapshot("sourcedir /etc/chrony/sources.d\ndriftfile /var/lib/chrony/drift\n", {
        chronyVersion: "4.9",
        sourceFiles: [{ path: "/etc/chrony/sources.d/a.sources", text: "server 192.0.2.1 iburst\nserver 192.0.2.2 newoption\nlocal stratum 3\n" }],
      }),
    );
    expect(h.sourcesPlacement).toBe("sourcedir");
    expect(h.sources.map((s) => s.address)).toEqual(["192.0.2.1"]);
    expect(h.raw.map((r) => r.line)).toEqual(["server 192.0.2.2 newoption"]);
    expect(errors(h).map((r) => [r.at, r.message.split(":")[0]])).toEqual([["/etc/chrony/sources.d/a.sources:3", "'local' in a sources file"]]);
  });
});

describe("importHost of repeated ratelimit lines", () => {
  it("adds their options up as chronyd does (later lines win per option)", () => {
    const h = importHost(snapshot("ratelimit interval 1 burst 8\nratelimit burst 16\nserver 192.0.2.1\n"));
    expect(h.props.rateLimit).toEqual({ interval: 1, burst: 16 });
    expect(h.reports.map((r) => r.message)).toContain(
      "'ratelimit interval 1 burst 8' and line 2 ('ratelimit burst 16') add up, as chronyd reads them: imported as one line",
    );
    expect(errors(h)).toEqual([]);
  });
});
