/**
 * A rollout: one server and five clients, deployed server first, then a canary client, a health
 * gate, two more clients, a gate, and the rest. A bad change stops at the canary.
 *
 *   npx cdktf deploy                                   # server, canary, gate, 2 clients, gate, 2 clients
 *   ROLLOUT_UPSTREAM=192.0.2.99 npx cdktf deploy       # clients point at a wrong address: the canary
 *                                                      # takes it, its gate fails, the others are untouched
 *   ROLLOUT_MAXPOLL=7 npx cdktf deploy                 # a good change goes through every wave
 *
 * Set CDKTF_CHRONY_SANDBOX to aim it at `cdktf-chrony sandbox` hosts (6 of them).
 */
import * as path from "node:path";
import { App, LocalBackend, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ChronyHost, HostKeyPolicy, HostProfiles, KeySource, NtpKey, Rollout, RolloutWave } from "../../constructs";
import { sandboxTargets } from "../sandbox-fleet";

export interface RolloutOptions {
  /** An address the clients use instead of the server (the bad change). @default - the server */
  readonly upstream?: string;
  /** The clients' maxpoll (a good change). @default 6 */
  readonly maxPoll?: number;
}

export class RolloutStack extends TerraformStack {
  constructor(scope: Construct, id: string, options: RolloutOptions = {}) {
    super(scope, id);
    const sandbox = sandboxTargets();
    if (sandbox) new LocalBackend(this, { path: path.resolve(process.env.CDKTF_CHRONY_SANDBOX!, `terraform.${id}.tfstate`) });
    if (sandbox && sandbox.length < 6)
      throw new Error(`the rollout example needs 6 sandbox hosts, the sandbox has ${sandbox.length}: run 'cdktf-chrony sandbox up --hosts 6'`);
    const at = (i: number) => {
      const s = sandbox?.[i];
      if (!s)
        return {
          target: { address: `10.0.2.${i + 1}`, hostKey: HostKeyPolicy.knownHosts() },
          profile: HostProfiles.debian(),
          verify: { cmdEndpoint: `10.0.2.${i + 1}:323` },
        };
      return { target: s.target, profile: s.profile, ntpAddress: s.ntpAddress, verify: { cmdEndpoint: s.cmdEndpoint } };
    };
    const key = new NtpKey(this, "ClientKey", { keyId: 5, type: "SHA256", source: KeySource.keyStore() });
    // The server holds the clients' key whoever uses it, so a change on the clients' side stays there.
    const server = new ChronyHost(this, "server", { ...at(0), local: { stratum: 8 }, allow: [sandbox ? "127.0.0.0/8" : "10.0.2.0/24"], keys: [key] });
    const polling = { iburst: true, minPoll: 0, maxPoll: options.maxPoll ?? 6 };
    const clients = [1, 2, 3, 4, 5].map((i) => {
      const client = new ChronyHost(this, `client-${i}`, { ...at(i), makestep: { thresholdSeconds: 1, limit: 3 } });
      client.addServer(options.upstream ?? server, { ...polling, key });
      return client;
    });
    // Canary first; then two clients; then the rest. Each gate waits up to 40 s for its wave to be
    // synchronised with every source reachable (and authenticated) and |offset| ≤ 0.1 s.
    new Rollout(this, "Rollout", {
      hosts: clients,
      waves: [RolloutWave.hosts([clients[0]]), RolloutWave.count(2)],
      gate: { timeoutSeconds: 40, maxOffsetSeconds: 0.1 },
    });
  }
}

if (require.main === module) {
  const app = new App();
  new RolloutStack(app, "rollout", {
    upstream: process.env.ROLLOUT_UPSTREAM || undefined,
    maxPoll: process.env.ROLLOUT_MAXPOLL ? Number(process.env.ROLLOUT_MAXPOLL) : undefined,
  });
  app.synth();
}
