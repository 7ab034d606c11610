/**
 * Rotating a fleet's NTP key in three deploys, each of which keeps every client authenticated:
 *
 *   ROTATION_PHASE=add    npx cdktf deploy   # every host holds keys 20 and 21; sources use 20
 *   ROTATION_PHASE=switch npx cdktf deploy   # sources use 21; both still held
 *   ROTATION_PHASE=retire npx cdktf deploy   # key 20 is removed everywhere
 *
 * Run `cdktf-chrony verify` after each phase. Before the rotation (no ROTATION_PHASE), the fleet
 * uses key 20 alone. Set CDKTF_CHRONY_SANDBOX to aim it at `cdktf-chrony sandbox` hosts.
 */
import * as path from "node:path";
import { App, LocalBackend, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ChronyHost, HostKeyPolicy, HostProfiles, KeyRotation, KeySource, NtpKey, RotationPhase } from "../../constructs";
import { sandboxTargets } from "../sandbox-fleet";

const PHASES: Record<string, RotationPhase> = { add: RotationPhase.ADD, switch: RotationPhase.SWITCH, retire: RotationPhase.RETIRE };

export class KeyRotationStack extends TerraformStack {
  constructor(scope: Construct, id: string, phase: string | undefined) {
    super(scope, id);
    const sandbox = sandboxTargets();
    if (sandbox) new LocalBackend(this, { path: path.resolve(process.env.CDKTF_CHRONY_SANDBOX!, `terraform.${id}.tfstate`) });
    if (phase !== undefined && !(phase in PHASES)) {
      throw new Error(`ROTATION_PHASE must be add, switch or retire, got '${phase}'`);
    }
    const host = (i: number) =>
      sandbox?.[i]
        ? {
            target: sandbox[i].target,
            profile: sandbox[i].profile,
            ntpAddress: sandbox[i].ntpAddress,
            verify: { cmdEndpoint: sandbox[i].cmdEndpoint },
          }
        : { target: { address: `10.0.1.${i + 1}`, hostKey: HostKeyPolicy.knownHosts() }, profile: HostProfiles.debian() };

    const current = new NtpKey(this, "Key20", { keyId: 20, type: "SHA256", source: KeySource.keyStore() });
    const key =
      phase === undefined
        ? current
        : new KeyRotation(this, "Rotation", {
            from: current,
            to: new NtpKey(this, "Key21", { keyId: 21, type: "SHA256", source: KeySource.keyStore() }),
            phase: PHASES[phase],
          });

    const server = new ChronyHost(this, "server", { ...host(0), local: { stratum: 8 }, allow: [sandbox ? "127.0.0.0/8" : "10.0.1.0/24"] });
    for (let i = 1; i <= 2; i++) {
      const client = new ChronyHost(this, `client-${i}`, host(i));
      client.addServer(server, { key, iburst: true, minPoll: 0, maxPoll: 4 });
    }
  }
}

if (require.main === module) {
  const app = new App();
  new KeyRotationStack(app, "rotation", process.env.ROTATION_PHASE || undefined);
  app.synth();
}
