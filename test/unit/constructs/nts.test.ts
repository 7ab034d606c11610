import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { App, TerraformStack, Testing } from "cdktf";
import { CertificateSource, ChronyHost, HostKeyPolicy, KeySource, NtsCertificate, NtsCertificateAuthority } from "../../../constructs";
import { NtsFleetStack } from "../../../examples/nts/main";
import { readOutdir } from "../../../lib/deploy/outdir";
import { HostManifest } from "../../../lib/manifest";
import { storedNtsKeyForms } from "../../helpers/nts";
import { readTree, testStack } from "../../helpers/synth";

function manifests(stackDir: string): Record<string, HostManifest> {
  return Object.fromEntries(readOutdir(stackDir).map(({ manifest }) => [manifest.id, manifest]));
}

const target = (n: number) => ({ address: `10.0.0.${n}`, hostKey: HostKeyPolicy.fingerprint("SHA256:" + "A".repeat(43)) });

describe("examples/nts synthesized (real CA and certificates in a temporary key store)", () => {
  it("gives the servers their certificates and the clients the CA; the clients' push resources wait for the servers", () => {
    const { app, projectDir } = testStack();
    const stack = new NtsFleetStack(app, "nts");
    const out = Testing.fullSynth(stack);
    const m = manifests(out);
    expect(Object.keys(m).sort()).toEqual(["client-1", "client-2", "client-3", "server-a", "server-b"]);
    expect(m["server-a"].nts!.certificates[0]).toMatchObject({
      role: "server",
      subject: "CN=10.0.2.1",
      issuer: "CN=cdktf-chrony NTS CA fleet-ca",
      names: ["10.0.2.1", "server-a.ntp.internal"],
    });
    expect(m["server-b"].files.map((f) => f.role)).toEqual(["conf", "sources", "nts-cert", "nts-ca"]);
    expect(m["client-1"].files.find((f) => f.role === "sources")!.content).toContain(
      "\nserver 10.0.2.1 iburst nts minpoll 4 maxpoll 6\nserver 10.0.2.2 iburst nts minpoll 4 maxpoll 6\n",
    );
    expect(m["client-1"].files.find((f) => f.role === "conf")!.content).toContain(
      "\nnosystemcert\nntstrustedcerts /etc/chrony/nts/trusted-cas.pem\n",
    );
    const resources = JSON.parse(Testing.synth(stack)).resource.terraform_data;
    const client = Object.entries(resources).find(([name]) => name.startsWith("client-1"))![1] as {
      depends_on: string[];
      triggers_replace: Record<string, string>;
    };
    expect(client.depends_on).toEqual([
      expect.stringMatching(/^terraform_data\.server-a_Push_\w+$/),
      expect.stringMatching(/^terraform_data\.server-b_Push_\w+$/),
    ]);
    const serverB = Object.entries(resources).find(([name]) => name.startsWith("server-b"))![1] as { depends_on: string[] };
    expect(serverB.depends_on).toEqual([expect.stringMatching(/server-a_Push/)]);
    const serverA = Object.entries(resources).find(([name]) => name.startsWith("server-a"))![1] as {
      depends_on?: string[];
      triggers_replace: Record<string, string>;
    };
    expect(serverA.depends_on).toBeUndefined();
    expect(serverA.triggers_replace.nts).toMatch(/^[0-9a-f]{64}$/);

    // Private keys (the CA's and the servers') stay in the key store: not in cdktf.out.
    const text = readTree(out);
    expect(text).toContain("BEGIN CERTIFICATE");
    expect(text).not.toContain("PRIVATE KEY");
    const forms = storedNtsKeyForms(projectDir);
    expect(forms.length).toBeGreaterThanOrEqual(3 * 6);
    for (const form of forms) expect(text).not.toContain(form);
  });

  it("re-synth reuses the issued certificates; a new name re-issues only that server's", () => {
    const { projectDir } = testStack();
    const synth = (extraName?: string) => {
      const app = new App({ outdir: fs.mkdtempSync(path.join(projectDir, "out-")) });
      return manifests(Testing.fullSynth(new NtsFleetStack(app, "nts", { extraName })));
    };
    const sha = (m: Record<string, HostManifest>) =>
      Object.fromEntries(Object.entries(m).map(([id, h]) => [id, h.nts?.certificates.map((c) => c.sha256).join(",")]));
    const first = synth();
    expect(sha(synth())).toEqual(sha(first));
    const renamed = sha(synth("ntp.example.test"));
    expect(renamed["server-a"]).not.toBe(sha(first)["server-a"]);
    expect(renamed["server-b"]).not.toBe(sha(first)["server-b"]);
    expect(renamed["client-1"]).toBe(sha(first)["client-1"]);
  });
});

describe("push resources wait for the servers a host uses", () => {
  it("except where that would be a cycle (two hosts that serve each other)", () => {
    const { stack } = testStack();
    const a = new ChronyHost(stack, "a", { target: target(1), allow: ["10.0.0.0/24"] });
    const b = new ChronyHost(stack, "b", { target: target(2), allow: ["10.0.0.0/24"] });
    const c = new ChronyHost(stack, "c", { target: target(3) });
    a.addServer(b);
    b.addServer(a);
    c.addServer(a);
    const data = JSON.parse(Testing.synth(stack)).resource.terraform_data as Record<string, { depends_on?: string[] }>;
    const of = (id: string) => Object.entries(data).find(([name]) => name.startsWith(`${id}_`))![1].depends_on;
    expect([of("a"), of("b")]).toEqual([undefined, undefined]);
    expect(of("c")).toEqual([expect.stringMatching(/^terraform_data\.a_Push_\w+$/)]);
  });
});

describe("NTS constructs: bad props fail in the constructor with the value and the fix", () => {
  const stack = () => new TerraformStack(Testing.app(), "s");

  it.each([
    [
      (s: TerraformStack) => new NtsCertificate(s, "C", {}),
      "NtsCertificate 's/C': give either authority (an NtsCertificateAuthority issues it) or certificate and privateKey (you bring them), not neither",
    ],
    [
      (s: TerraformStack) =>
        new NtsCertificate(s, "C", { authority: new NtsCertificateAuthority(s, "A"), certificate: CertificateSource.file("a.pem") }),
      "NtsCertificate 's/C': give either authority (an NtsCertificateAuthority issues it) or certificate and privateKey (you bring them), not both",
    ],
    [
      (s: TerraformStack) => new NtsCertificate(s, "C", { certificate: CertificateSource.file("a.pem") }),
      "NtsCertificate 's/C': a brought certificate needs its privateKey (KeySource.env, file or command)",
    ],
    [
      (s: TerraformStack) => new NtsCertificate(s, "C", { certificate: CertificateSource.file("a.pem"), privateKey: KeySource.keyStore() }),
      "NtsCertificate 's/C': privateKey cannot be KeySource.keyStore (it generates NTP keys): use KeySource.file, env or command, or let an NtsCertificateAuthority issue the certificate",
    ],
    [
      (s: TerraformStack) => new NtsCertificate(s, "C", { authority: new NtsCertificateAuthority(s, "A"), extraNames: ["bad name"] }),
      "NtsCertificate 's/C': invalid extraNames entry \"bad name\": use a DNS name or an IP address",
    ],
    [
      (s: TerraformStack) => new NtsCertificate(s, "C", { authority: new NtsCertificateAuthority(s, "A"), validityDays: 20 }),
      "NtsCertificate 's/C': validityDays 20 must be more than renewBeforeDays 30, or every synth would re-issue it",
    ],
    [
      (s: TerraformStack) => new NtsCertificateAuthority(s, "A", { name: "../x" }),
      "NtsCertificateAuthority 'A': invalid name '../x': use letters, digits, '.', '_' and '-' (it names a folder in the key store)",
    ],
    [
      (s: TerraformStack) => new NtsCertificateAuthority(s, "A", { renewBeforeDays: 0 }),
      "NtsCertificateAuthority 'A': invalid renewBeforeDays 0: use a whole number of days from 1 to 3649",
    ],
    [
      (s: TerraformStack) => new NtsCertificateAuthority(s, "A", { hardLimitDays: 40 }),
      "NtsCertificateAuthority 'A': invalid hardLimitDays 40: use a whole number of days from 0 to 30",
    ],
    [
      (s: TerraformStack) => new ChronyHost(s, "h", { target: target(1), ntsCertificate: "ca" as never }),
      "host h: ntsCertificate must be an NtsCertificateAuthority (it issues one) or an NtsCertificate",
    ],
  ])("%#", (build, message) => {
    expect(() => build(stack())).toThrow(message);
  });
});
