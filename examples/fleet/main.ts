/**
 * A fleet: two servers that peer with each other over a shared key and serve a subnet, three
 * clients that authenticate them with another key, and a monitoring address in cmdallow.
 *
 *   npm run synth                                 # real-host layout (Debian), into ./cdktf.out
 *   CDKTF_CHRONY_SANDBOX=.sandbox npx cdktf deploy  # the same fleet on the local sandbox
 *   CDKTF_CHRONY_LAB=/tmp/cclab-… npx cdktf deploy  # on the test lab: stock layouts, a bastion, a sudo user
 */
import * as path from "node:path";
import { App, LocalBackend, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ChronyHost, HostKeyPolicy, HostProfiles, KeySource, NtpKey } from "../../constructs";
import { labTargets } from "../lab-fleet";
import { sandboxTargets } from "../sandbox-fleet";

export interface FleetOptions {
  /** Bump to change one server option (the e2e test uses it to prove a reload-only redeploy). */
  readonly clientMaxPoll?: number;
}

export class FleetStack extends TerraformStack {
  constructor(scope: Construct, id: string, options: FleetOptions = {}) {
    super(scope, id);
    const sandbox = sandboxTargets();
    const lab = labTargets();
    // The sandbox and the lab keep their Terraform state with them, so `down` leaves nothing behind.
    if (sandbox) new LocalBackend(this, { path: path.resolve(process.env.CDKTF_CHRONY_SANDBOX!, `terraform.${id}.tfstate`) });
    if (lab) new LocalBackend(this, { path: path.join(lab.dir, `terraform.${id}.tfstate`) });
    const keys = new NtpKey(this, "PeerKey", { keyId: 1, type: "SHA256", source: KeySource.keyStore() });
    const clientKey = new NtpKey(this, "ClientKey", { keyId: 2, type: "AES128", source: KeySource.keyStore() });

    // On real hosts: Debian machines in 10.0.0.0/24 behind a bastion, deployed by a user with sudo
    // (see the README's sudoers drop-in), monitored from 10.0.9.5. verify asks chronyd over SSH.
    const real = (n: number) => ({
      target: {
        address: `10.0.0.${n}`,
        user: "deploy",
        jump: { address: "bastion.example.net", user: "jump" },
        hostKey: HostKeyPolicy.knownHosts(),
      },
      profile: HostProfiles.debian(),
      verify: {},
    });
    const at = (i: number) => {
      const l = lab?.hosts[i];
      if (l) return { ...l, verify: {} };
      const s = sandbox?.[i];
      if (!s) return real(i + 1);
      return { target: s.target, profile: s.profile, ntpAddress: s.ntpAddress, verify: { cmdEndpoint: s.cmdEndpoint } };
    };
    if (lab && lab.hosts.length < 5) throw new Error(`the fleet needs 5 lab hosts, the lab has ${lab.hosts.length}`);
    if (sandbox && sandbox.length < 5) {
      throw new Error(`the fleet needs 5 sandbox hosts, the sandbox has ${sandbox.length}: run 'cdktf-chrony sandbox up --hosts 5'`);
    }
    const subnet = sandbox ? "127.0.0.0/8" : (lab?.subnet ?? "10.0.0.0/24");
    const monitoring = sandbox ? "127.0.0.1" : (lab?.monitoring ?? "10.0.9.5");

    const servers = ["server-a", "server-b"].map(
      (name, i) =>
        new ChronyHost(this, name, {
          ...at(i),
          // Real servers would also use upstream pools; the sandbox and the lab have no Internet.
          pools: sandbox || lab ? [] : [{ name: "2.debian.pool.ntp.org", iburst: true, maxSources: 4 }],
          local: { stratum: 8 + i, orphan: true },
          allow: [subnet],
          cmdAllow: [monitoring],
          bindCmdAddresses: sandbox ? undefined : ["0.0.0.0", "/run/chrony/chronyd.sock"],
          makestep: { thresholdSeconds: 1, limit: 3 },
          rtcsync: !sandbox,
        }),
    );
    ChronyHost.peer(servers[0], servers[1], { key: keys, minPoll: 4, maxPoll: 6 });

    for (let i = 0; i < 3; i++) {
      const placed = at(i + 2);
      const client = new ChronyHost(this, `client-${i + 1}`, {
        ...placed,
        // Clients must end up synchronised to the servers, not just reach them.
        verify: { ...placed.verify, requireSynchronised: true, timeoutSeconds: 60 },
        makestep: { thresholdSeconds: 1, limit: 3 },
        rtcsync: !sandbox,
      });
      for (const server of servers) {
        client.addServer(server, { key: clientKey, iburst: true, minPoll: 4, maxPoll: options.clientMaxPoll ?? 6 });
      }
    }
  }
}

if (require.main === module) {
  const app = new App();
  new FleetStack(app, "fleet", { clientMaxPoll: process.env.FLEET_CLIENT_MAXPOLL ? Number(process.env.FLEET_CLIENT_MAXPOLL) : undefined });
  app.synth();
}
