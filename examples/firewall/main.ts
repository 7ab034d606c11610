/**
 * Time servers that a monitoring network may query (chronyc, `cdktf-chrony status`, Prometheus'
 * chrony_exporter), their firewalls opened for exactly that: `cmdAllow` and a non-loopback
 * `bindCmdAddresses` let chronyd answer, `Firewall.nftables()` opens 323/udp from those networks
 * (and 123/udp from the `allow` clients) in a table of cdktf-chrony's own.
 *
 *   npm run build && node dist/examples/firewall/main.js     # real-host layout (Debian, RHEL), into ./cdktf.out
 *   CDKTF_CHRONY_LAB=/tmp/ccfw-… npx cdktf deploy --app "node dist/examples/firewall/main.js"
 *
 * Hosts whose own nftables policy drops by default must accept what cdktf-chrony's table marks:
 * add `meta mark & 0x10000000 == 0x10000000 accept` to that policy once (apply says so otherwise).
 * For the e2e test: FIREWALL_MONITORING=off drops cmdAllow, FIREWALL_MANAGED=off leaves the
 * hosts' firewalls alone.
 */
import * as path from "node:path";
import { App, LocalBackend, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ChronyHost, Firewall, HostKeyPolicy, HostProfiles } from "../../constructs";
import { labTargets } from "../lab-fleet";

export class FirewallStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const lab = labTargets();
    if (lab) new LocalBackend(this, { path: path.join(lab.dir, `terraform.${id}.tfstate`) });
    const placements = lab?.hosts ?? [
      { target: { address: "10.0.0.1", user: "deploy", hostKey: HostKeyPolicy.knownHosts() }, profile: HostProfiles.debian() },
      { target: { address: "10.0.0.2", user: "deploy", hostKey: HostKeyPolicy.knownHosts() }, profile: HostProfiles.rhel() },
    ];
    const monitoring = lab?.controllerNet ?? "10.0.9.0/24";
    const clients = lab?.subnet ?? "10.0.0.0/16";
    placements.forEach(
      (placement, i) =>
        new ChronyHost(this, `ntp-${i + 1}`, {
          ...placement,
          local: { stratum: 8 },
          allow: [clients],
          bindCmdAddresses: ["0.0.0.0", "/run/chrony/chronyd.sock"],
          cmdAllow: process.env.FIREWALL_MONITORING === "off" ? [] : [monitoring],
          firewall: process.env.FIREWALL_MANAGED === "off" ? undefined : Firewall.nftables(),
        }),
    );
  }
}

const app = new App();
new FirewallStack(app, "firewall");
app.synth();
