/**
 * NTS between the app's servers and clients, with a private CA whose key stays in the key store:
 * two servers that get certificates from the app's NtsCertificateAuthority (issued at synth for the
 * addresses their clients use, reused until their names change or they near expiry), server-b also
 * using server-a over NTS, and three clients that use both servers with `nts: true` and trust the
 * CA automatically (`noSystemCert`: this lab trusts nothing else).
 *
 *   npx cdktf synth                                  # real-host layout (Debian), into ./cdktf.out
 *   CDKTF_CHRONY_SANDBOX=.sandbox npx cdktf deploy    # the same fleet on a 5-host sandbox
 *   npx cdktf-chrony verify && npx cdktf-chrony keys  # NTS authenticated; certificates and their expiry
 */
import * as path from "node:path";
import { App, LocalBackend, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ChronyHost, HostKeyPolicy, HostProfiles, NtsCertificate, NtsCertificateAuthority } from "../../constructs";
import { sandboxTargets } from "../sandbox-fleet";

export interface NtsFleetOptions {
  /** One more name on every server certificate: a change of names re-issues them at the next synth. */
  readonly extraName?: string;
  /** A client that trusts only another CA, naming the servers by address (the e2e test shows the deploy rolling back). */
  readonly untrustingClient?: string;
}

export class NtsFleetStack extends TerraformStack {
  constructor(scope: Construct, id: string, options: NtsFleetOptions = {}) {
    super(scope, id);
    const sandbox = sandboxTargets();
    if (sandbox) new LocalBackend(this, { path: path.resolve(process.env.CDKTF_CHRONY_SANDBOX!, `terraform.${id}.tfstate`) });
    if (sandbox && sandbox.length < 5) {
      throw new Error(`the NTS fleet needs 5 sandbox hosts, the sandbox has ${sandbox.length}: run 'cdktf-chrony sandbox up --hosts 5'`);
    }
    const at = (i: number) => {
      const s = sandbox?.[i];
      if (!s) return { target: { address: `10.0.2.${i + 1}`, hostKey: HostKeyPolicy.knownHosts() }, profile: HostProfiles.debian() };
      return { target: s.target, profile: s.profile, ntpAddress: s.ntpAddress, verify: { cmdEndpoint: s.cmdEndpoint } };
    };
    const ca = new NtsCertificateAuthority(this, "FleetCa", { name: "fleet-ca" });

    const servers = ["server-a", "server-b"].map(
      (name, i) =>
        new ChronyHost(this, name, {
          ...at(i),
          local: { stratum: 8 + i, orphan: true },
          allow: [sandbox ? "127.0.0.0/8" : "10.0.2.0/24"],
          ntsCertificate: new NtsCertificate(this, `${name}-certificate`, {
            authority: ca,
            extraNames: [`${name}.ntp.internal`, ...(options.extraName ? [options.extraName] : [])],
          }),
          // A port of their own on the sandbox's loopback addresses; clients follow it.
          ntsPort: sandbox ? 14460 : undefined,
          makestep: { thresholdSeconds: 1, limit: 3 },
        }),
    );
    servers[1].addServer(servers[0], { nts: true, iburst: true, minPoll: 4, maxPoll: 6 });

    for (let i = 0; i < 3; i++) {
      const placed = at(i + 2);
      const name = `client-${i + 1}`;
      const untrusting = options.untrustingClient === name;
      const client = new ChronyHost(this, name, {
        ...placed,
        verify: { ...placed.verify, requireSynchronised: true, timeoutSeconds: 60 },
        makestep: { thresholdSeconds: 1, limit: 3 },
        noSystemCert: true,
        ntsTrustedAuthorities: untrusting ? [new NtsCertificateAuthority(this, "OtherCa", { name: "other-ca" })] : undefined,
      });
      for (const server of servers) {
        const options = { nts: true, iburst: true, minPoll: 4, maxPoll: 6 } as const;
        if (!untrusting) client.addServer(server, options);
        // Named by address, the server's CA is not trusted automatically: only OtherCa is.
        else
          client.addServer(server.ntpAddress, {
            ...options,
            port: server.profile.ntpPort !== 123 ? server.profile.ntpPort : undefined,
            ntsPort: sandbox ? 14460 : undefined,
          });
      }
    }
  }
}

if (require.main === module) {
  const app = new App();
  new NtsFleetStack(app, "nts", {
    extraName: process.env.NTS_EXTRA_NAME || undefined,
    untrustingClient: process.env.NTS_UNTRUSTING_CLIENT || undefined,
  });
  app.synth();
}
