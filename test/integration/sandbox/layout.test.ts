import { describe, expect, it } from "vitest";
import { initialChronyConf } from "../../../lib/sandbox/chrony-conf";
import { checkSandboxDir, hostPaths, planHosts } from "../../../lib/sandbox/layout";
import { isChronydArgv, isSshdArgv } from "../../../lib/sandbox/proc";

describe("planHosts", () => {
  it("numbers hosts from the first address with fixed port bases", () => {
    expect(planHosts("/s", 2, "127.0.1.11")).toEqual([
      { id: "h1", address: "127.0.1.11", sshPort: 2201, cmdPort: 11301, ntpPort: 11101, root: "/s/hosts/h1/root" },
      { id: "h2", address: "127.0.1.12", sshPort: 2202, cmdPort: 11302, ntpPort: 11102, root: "/s/hosts/h2/root" },
    ]);
  });

  it("carries addresses across octets", () => {
    expect(planHosts("/s", 3, "127.0.0.254").map((h) => h.address)).toEqual(["127.0.0.254", "127.0.0.255", "127.0.1.0"]);
  });

  it("fails on a bad host count, quoting it", () => {
    expect(() => planHosts("/s", 0, "127.0.0.11")).toThrow(/invalid host count '0'.*1 to 200/);
    expect(() => planHosts("/s", 201, "127.0.0.11")).toThrow(/'201'/);
    expect(() => planHosts("/s", 1.5, "127.0.0.11")).toThrow(/'1.5'/);
  });

  it("fails on addresses outside loopback", () => {
    expect(() => planHosts("/s", 1, "10.0.0.1")).toThrow(/'10.0.0.1' is not a usable loopback address/);
    expect(() => planHosts("/s", 1, "localhost")).toThrow(/invalid first address 'localhost'/);
    expect(() => planHosts("/s", 1, "127.0.0.300")).toThrow(/invalid first address/);
    // Octal to inet_aton, decimal to others: refused rather than guessed.
    expect(() => planHosts("/s", 1, "127.0.0.011")).toThrow(/invalid first address '127.0.0.011'/);
    expect(() => planHosts("/s", 10, "127.255.255.250")).toThrow(/leaves 127.0.0.0\/8 \(last would be 128.0.0.3\)/);
  });
});

describe("checkSandboxDir", () => {
  it("fails on paths chrony.conf cannot hold", () => {
    expect(() => checkSandboxDir("/tmp/with space", 1)).toThrow(/'\/tmp\/with space' has characters/);
    expect(() => checkSandboxDir("/tmp/it's", 1)).toThrow(/characters/);
  });

  it("fails when chronyc's socket path would exceed 107 bytes", () => {
    expect(() => checkSandboxDir(`/tmp/${"x".repeat(60)}`, 200)).toThrow(/too long.*107-byte/);
    expect(() => checkSandboxDir("/tmp/ccsb-abcdef", 200)).not.toThrow();
  });
});

describe("initial chrony.conf", () => {
  const [h1, h2] = planHosts("/s", 2, "127.0.0.11");

  it("starts with the profile directives, then h1 serves its local clock", () => {
    expect(initialChronyConf(h1, hostPaths("/s", "h1"), h1)).toBe(
      [
        "pidfile /s/hosts/h1/root/run/chrony/chronyd.pid",
        "driftfile /s/hosts/h1/root/var/lib/chrony/chrony.drift",
        "ntsdumpdir /s/hosts/h1/root/var/lib/chrony",
        "logdir /s/hosts/h1/root/var/log/chrony",
        "keyfile /s/hosts/h1/root/etc/chrony/chrony.keys",
        "sourcedir /s/hosts/h1/root/etc/chrony/sources.d",
        "confdir /s/hosts/h1/root/etc/chrony/conf.d",
        "port 11101",
        "bindaddress 127.0.0.11",
        "bindacqaddress 127.0.0.11",
        "cmdport 11301",
        "bindcmdaddress 127.0.0.11",
        "bindcmdaddress /s/hosts/h1/root/run/chrony/chronyd.sock",
        "local stratum 8",
        "allow 127.0.0.0/8",
        "",
      ].join("\n"),
    );
  });

  it("gives the other hosts the profile directives and h1 as their server, in chrony.conf", () => {
    const conf = initialChronyConf(h2, hostPaths("/s", "h2"), h1);
    expect(conf.split("\n")).toHaveLength(15);
    expect(conf).not.toMatch(/local|allow/);
    expect(conf.endsWith("\nserver 127.0.0.11 port 11101 iburst\n")).toBe(true);
  });
});

describe("process checks", () => {
  it("recognises this host's chronyd by its -f argument only", () => {
    const conf = "/s/hosts/h1/root/etc/chrony/chrony.conf";
    expect(isChronydArgv(["/usr/sbin/chronyd", "-4", "-x", "-f", conf, "-l", "/x"], conf)).toBe(true);
    expect(isChronydArgv(["chronyd", "-f", conf], conf)).toBe(true);
    expect(isChronydArgv(["/usr/sbin/chronyd", "-f", `${conf}.other`], conf)).toBe(false);
    expect(isChronydArgv(["/usr/bin/vi", "-f", conf], conf)).toBe(false);
    expect(isChronydArgv(["/usr/sbin/chronyd", conf], conf)).toBe(false);
  });

  it("recognises this host's sshd listener by its rewritten title", () => {
    const config = "/s/hosts/h1/sshd/sshd_config";
    expect(isSshdArgv([`sshd: /usr/sbin/sshd -f ${config} -E /s/hosts/h1/sshd/sshd.log [listener] 0 of 10-100 startups`], config)).toBe(true);
    expect(isSshdArgv(["/usr/sbin/sshd", "-f", config, "-E", "/x"], config)).toBe(true);
    expect(isSshdArgv([`sshd: /usr/sbin/sshd -f ${config}2 -E /x [listener]`], config)).toBe(false);
    expect(isSshdArgv(["sshd: root@notty"], config)).toBe(false);
    expect(isSshdArgv(["/bin/sleep", "-f", config], config)).toBe(false);
  });
});
