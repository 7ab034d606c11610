import { describe, expect, it } from "vitest";
import { directive } from "../../../lib/model/directive";
import { validateDirective } from "../../../lib/model/validate-directive";
import { parseChronyVersion } from "../../../lib/model/version";
import { parseDirectiveLine } from "../../../lib/model/directive";

const v43 = parseChronyVersion("4.3");
const check =
  (line: string, version = "4.3") =>
  () =>
    validateDirective(parseDirectiveLine(line)!, parseChronyVersion(version));

describe("validateDirective", () => {
  it("accepts the lines chrony 4.3 documents", () => {
    for (const line of [
      "server 192.0.2.1 iburst minpoll 4 maxpoll 9 key 10 maxdelayquant 0.2 xleave",
      "pool 2.debian.pool.ntp.org iburst maxsources 4",
      "peer 10.0.0.2 key 1 minpoll 4",
      "allow",
      "allow all",
      "allow 10/8",
      "allow all 192.168.1.0/24",
      "deny 2001:db8::/32",
      "cmdallow 10.0.9.5",
      "bindcmdaddress /run/chrony/chronyd.sock",
      "bindcmdaddress /",
      "bindcmdaddress ::1",
      "local",
      "local stratum 10 orphan distance 0.5",
      "makestep 1.0 -1",
      "refclock SHM 0 refid GPS poll 3 prefer",
      "refclock PHC /dev/ptp0 local",
      "hwtimestamp * minpoll -2 rxfilter ntp nocrossts",
      "ratelimit interval 1 burst 16 leak 2",
      "log measurements statistics tracking selection",
      "ntstrustedcerts 1 /etc/ssl/certs",
      "driftfile /var/lib/chrony/chrony.drift",
      "smoothtime 400 0.001 leaponly",
      "Server 192.0.2.1",
    ]) {
      expect(check(line), line).not.toThrow();
    }
  });

  it("fails on an unknown directive, naming it and saying chronyd would not start", () => {
    expect(check("sever 192.0.2.1")).toThrow(
      "unknown directive 'sever' in 'sever 192.0.2.1': chronyd 4.3 refuses to start on it; check the spelling against chrony.conf(5)",
    );
  });

  it("accepts commandkey for chrony >= 2.2 with a warning that explains the modern access controls (chronyd ignores it)", () => {
    expect(validateDirective(parseDirectiveLine("commandkey 1")!, v43)).toBe(
      "'commandkey 1' is obsolete in chrony 4.3: command authentication was removed in chrony 2.2 and chronyd ignores the line; control command access with bindcmdaddress (loopback and the Unix socket by default), cmdallow/cmddeny, and the Unix socket's permissions, then remove the line",
    );
    expect(validateDirective(parseDirectiveLine("generatecommandkey")!, v43)).toMatch(/removed in chrony 2\.2/);
  });

  it("accepts commandkey for chrony older than 2.2", () => {
    expect(check("commandkey 1", "2.1")).not.toThrow();
  });

  it("fails on a directive the host's version lacks, naming the version that added it", () => {
    expect(check("sourcedir /etc/chrony/sources.d", "3.5")).toThrow(
      "'sourcedir' needs chrony 4.0 or newer, but this host runs 3.5: upgrade chrony or remove 'sourcedir /etc/chrony/sources.d'",
    );
    expect(check("leapseclist /usr/share/zoneinfo/leap-seconds.list")).toThrow(/needs chrony 4\.6 or newer, but this host runs 4\.3/);
    expect(check("opencommands tracking")).toThrow(/needs chrony 4\.7/);
  });

  it("lets through, with a warning, a directive or option unknown to the grammar on a host newer than it models", () => {
    expect(validateDirective(parseDirectiveLine("newdirective 1")!, parseChronyVersion("4.9"))).toBe(
      "'newdirective 1' is not in cdktf-chrony's grammar, which models chrony up to 4.8: it is passed through unchecked (chronyd -p checks it on the host at apply)",
    );
    expect(validateDirective(parseDirectiveLine("server 192.0.2.1 newoption")!, parseChronyVersion("4.9"))).toMatch(/passed through unchecked/);
    expect(check("server 192.0.2.1 minpoll 99", "4.9")).toThrow(/minpoll must be an integer from -7 to 24/);
    expect(check("newdirective 1", "4.8")).toThrow(/unknown directive 'newdirective'/);
  });

  it("fails on a source option the host's version lacks", () => {
    expect(check("server 192.0.2.1 maxdelayquant 0.2", "4.2")).toThrow(
      "invalid 'server 192.0.2.1 maxdelayquant 0.2': server option maxdelayquant needs chrony 4.3 or newer (this host runs 4.2)",
    );
    expect(check("server 192.0.2.1 ipv4")).toThrow(/option ipv4 needs chrony 4\.6 or newer/);
    expect(check("server 192.0.2.1 nts", "3.5")).toThrow(/option nts needs chrony 4\.0/);
    expect(check("local stratum 3 activate 0.1")).toThrow(/option activate needs chrony 4\.6 or newer/);
    expect(check("hwtimestamp eth0 maxpoll 3")).toThrow(/option maxpoll needs chrony 4\.4/);
  });

  it("accepts obsolete and renamed directives that chronyd 4.3 still reads, with a warning naming the replacement", () => {
    expect(validateDirective(parseDirectiveLine("ntscachedir /var/lib/chrony")!, v43)).toBe(
      "'ntscachedir /var/lib/chrony' is obsolete in chrony 4.3: it is the old name of ntsdumpdir, which chronyd reads the same way: write ntsdumpdir",
    );
    expect(validateDirective(parseDirectiveLine("linux_hz 100")!, v43)).toMatch(/chronyd ignores it .*: remove the line/);
    expect(validateDirective(parseDirectiveLine("dumponexit")!, v43)).toMatch(/chronyd ignores it/);
    expect(validateDirective(parseDirectiveLine("maxslewrate 500")!, v43)).toBeUndefined();
  });

  it("fails on values outside chrony's documented ranges, quoting the value", () => {
    expect(check("server 192.0.2.1 minpoll 30")).toThrow(
      "invalid 'server 192.0.2.1 minpoll 30': server option minpoll must be an integer from -7 to 24, got '30'",
    );
    expect(check("server 192.0.2.1 key 0")).toThrow("option key must be an integer from 1 to 4294967295, got '0'");
    expect(check("pool p.example maxsources 20")).toThrow("option maxsources must be an integer from 1 to 16, got '20'");
    expect(check("server 192.0.2.1 maxsources 2")).toThrow(/option maxsources is not valid for server/);
    expect(check("server 192.0.2.1 asymmetry 0.9")).toThrow(/must be a number from -0.5 to 0.5, got '0.9'/);
    expect(check("server 192.0.2.1 maxdelayquant 2")).toThrow(/from 0.05 to 0.95, got '2'/);
    expect(check("local stratum 16")).toThrow("invalid 'local stratum 16': local option stratum must be an integer from 1 to 15, got '16'");
    expect(check("port 70000")).toThrow("port must be an integer from 0 to 65535, got '70000'");
    expect(check("allow 10.1.2.3/40")).toThrow(
      "invalid 'allow 10.1.2.3/40': allow subnet must be a prefix length from 0 to 32 after the slash, got '10.1.2.3/40'",
    );
    expect(check("allow 300.1.2.3")).toThrow(/allow subnet must be an address, a subnet/);
    expect(check("makestep 1")).toThrow(
      "invalid 'makestep 1': makestep takes 2 arguments (threshold (seconds) limit (updates, negative = unlimited)), got 1",
    );
    expect(check("makestep x 3")).toThrow("makestep threshold (seconds) must be a number ≥ 0, got 'x'");
    expect(check("log foo")).toThrow("log 'foo' is not a log (valid:");
    expect(check("refclock SHM 0 refid ABCDE")).toThrow("refclock option refid must be 1 to 4 printable ASCII characters, got 'ABCDE'");
    expect(check("refclock GPS 0")).toThrow("refclock driver must be one of PPS, SHM, SOCK, PHC, RTC, got 'GPS'");
    expect(check("keyfile chrony.keys")).toThrow("keyfile path must be an absolute path, got 'chrony.keys'");
    expect(check("bindcmdaddress localhost")).toThrow(/an IP address, a Unix socket path, or \/ to disable the socket/);
    expect(check("authselectmode strict")).toThrow("authselectmode mode must be one of require, prefer, mix, ignore, got 'strict'");
    expect(check("rtcsync now")).toThrow("rtcsync takes no arguments (got 1)");
  });

  it("fails on options that a peer cannot use", () => {
    expect(check("peer 10.0.0.2 iburst")).toThrow(
      "invalid 'peer 10.0.0.2 iburst': peer option iburst is not valid for peer: a symmetric peer does not use it (chrony.conf(5), peer directive)",
    );
    expect(check("peer 10.0.0.2 nts")).toThrow(/NTS works only in client\/server mode/);
  });

  it("fails on a trailing # comment, which chronyd reads as an argument", () => {
    expect(check("server 192.0.2.1 iburst # primary")).toThrow("server unknown option '#'");
  });

  it("fails on an unknown or repeated source option", () => {
    expect(check("server 192.0.2.1 fast")).toThrow("server unknown option 'fast'");
    expect(check("server 192.0.2.1 minpoll 4 minpoll 5")).toThrow("option minpoll is given twice");
    expect(check("server 192.0.2.1 minpoll")).toThrow("option minpoll needs a value");
    expect(check("server bad_host!")).toThrow("server address must be an IP address or a hostname, got 'bad_host!'");
  });

  it("names where the directive came from", () => {
    expect(() => validateDirective(directive("port", "x"), v43, "rawDirectives[2]")).toThrow(
      "invalid 'port x' (rawDirectives[2]): port port must be an integer from 0 to 65535, got 'x'",
    );
  });
});

describe("parseChronyVersion", () => {
  it("reads release numbers and compares them numerically", async () => {
    const { isAtLeast } = await import("../../../lib/model/version.js");
    expect(isAtLeast(parseChronyVersion("4.10"), "4.9")).toBe(true);
    expect(isAtLeast(parseChronyVersion("4.3"), "4.3")).toBe(true);
    expect(isAtLeast(parseChronyVersion("4.3"), "4.6.1")).toBe(false);
  });

  it("fails on text that is not a release number", () => {
    expect(() => parseChronyVersion("latest")).toThrow(
      `invalid chrony version 'latest': use the release number as chronyd --version prints it, e.g. "4.3"`,
    );
  });

  it("fails on releases older than the oldest modelled", () => {
    expect(() => parseChronyVersion("1.20")).toThrow(
      "chrony version '1.20' is older than 1.31, the oldest this library models: upgrade chrony on the host",
    );
  });
});
