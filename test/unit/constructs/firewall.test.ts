import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { ChronyHost, Firewall, HostKeyPolicy, HostProfiles } from "../../../constructs";
import { readOutdir } from "../../../lib/deploy/outdir";
import { HostManifest } from "../../../lib/manifest";
import { testStack } from "../../helpers/synth";

const target = { address: "198.19.8.11", hostKey: HostKeyPolicy.fingerprint("SHA256:" + "A".repeat(43)) };

function manifest(props: Partial<ConstructorParameters<typeof ChronyHost>[2]>): HostManifest {
  const { stack } = testStack();
  new ChronyHost(stack, "ntp", { target, ...props });
  return readOutdir(Testing.fullSynth(stack))[0].manifest;
}

describe("Firewall", () => {
  it("is opt-in: without it, no rules file and no firewall in the manifest", () => {
    const m = manifest({ bindCmdAddresses: ["0.0.0.0"], cmdAllow: ["198.18.8.0/24"] });
    expect(m.firewall).toBeUndefined();
    expect(m.files.map((f) => f.role)).toEqual(["conf", "sources"]);
  });

  it("adds the rules file at its fixed path, and what it opens, to the host's manifest", () => {
    const m = manifest({ firewall: Firewall.nftables(), bindCmdAddresses: ["0.0.0.0"], cmdAllow: ["198.18.8.0/24"], allow: ["198.19.8.0/24"] });
    expect(m.firewall).toEqual({
      backend: "nftables",
      table: "cdktf_chrony",
      mark: 0x10000000,
      families: [4],
      openings: ["123/udp from 198.19.8.0/24 (allow)", "323/udp from 198.18.8.0/24 (cmdallow, bindcmdaddress)"],
      nft: ["nft"],
      scratch: ["unshare", "--net", "--"],
    });
    const file = m.files.find((f) => f.role === "firewall")!;
    expect(file).toMatchObject({ path: "/etc/chrony/cdktf-chrony.nft", mode: 0o644, owner: "root:root" });
    expect(file.content).toContain(
      'ip saddr 198.18.8.0/24 udp dport 323 meta mark set meta mark | 0x10000000 accept comment "cmd: cmdallow, bindcmdaddress"',
    );
  });

  it("changes the host's trigger when what it serves changes, so a deploy reloads the rules", () => {
    const a = manifest({ firewall: Firewall.nftables(), bindCmdAddresses: ["0.0.0.0"], cmdAllow: ["198.18.8.0/24"] });
    const b = manifest({ firewall: Firewall.nftables(), bindCmdAddresses: ["0.0.0.0"] });
    expect(a.digests.files).not.toBe(b.digests.files);
    expect(b.firewall!.openings).toEqual([]);
  });

  it("refuses bad props with the value and the fix", () => {
    expect(() => Firewall.nftables({ acceptMark: 0 })).toThrow(
      "invalid firewall acceptMark 0: use a packet mark from 0x1 to 0xffffffff, usually one bit such as 0x10000000",
    );
    expect(() => Firewall.nftables({ nftCommand: [] })).toThrow('invalid firewall nftCommand []: give nft\'s argv, e.g. ["/usr/sbin/nft"]');
    const { stack } = testStack();
    expect(() => new ChronyHost(stack, "a", { target, firewall: { backend: "nftables" } as unknown as Firewall })).toThrow(
      'host a: invalid firewall {"backend":"nftables"}: use Firewall.nftables(), or leave it out to leave the host\'s firewall alone',
    );
  });

  it("refuses an access rule by hostname when it manages the firewall, naming the host and the line", () => {
    expect(() => manifest({ firewall: Firewall.nftables(), allow: ["clients.example.net"] })).toThrow(
      "host ntp: firewall: 'allow clients.example.net': clients.example.net is a hostname (chronyd resolves it only when it starts): use an address or a subnet, or leave the host's firewall unmanaged",
    );
  });

  it("refuses a firewall on a sandbox host, whose network namespace is this machine's", () => {
    expect(() =>
      manifest({
        firewall: Firewall.nftables(),
        profile: HostProfiles.sandbox({ root: "/tmp/sb/h1", address: "127.0.0.61", ntpPort: 11123, cmdPort: 11323 }),
      }),
    ).toThrow(/^host ntp: firewall: the sandbox's hosts share this machine's network namespace and its firewall/);
  });

  it("tells the rule a host's default-drop chain needs", () => {
    expect(Firewall.nftables({ acceptMark: 0x20 }).handOffRule).toBe("meta mark & 0x00000020 == 0x00000020 accept");
    expect(Firewall.isFirewall(Firewall.nftables())).toBe(true);
    expect(Firewall.isFirewall({ declaration: {} })).toBe(false);
  });
});
