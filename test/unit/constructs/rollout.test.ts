import { describe, expect, it } from "vitest";
import { Testing, TerraformStack } from "cdktf";
import { ChronyHost, HostKeyPolicy, PushResourceType, Rollout, RolloutWave } from "../../../constructs";
import { testStack } from "../../helpers/synth";

const target = (n: number) => ({ address: `10.0.0.${n}`, hostKey: HostKeyPolicy.fingerprint("SHA256:" + "A".repeat(43)) });

interface DataJson {
  depends_on?: string[];
  triggers_replace: Record<string, string>;
  provisioner: Array<{ "local-exec": { interpreter: string[]; command: string } }>;
}

/** terraform_data resources by construct: "c1" for host c1's push, "Rollout/Gate1" for a gate. */
function byPath(stack: TerraformStack): Record<string, DataJson & { address: string }> {
  const json = JSON.parse(Testing.synth(stack)) as { resource: { terraform_data: Record<string, DataJson> } };
  return Object.fromEntries(
    Object.entries(json.resource.terraform_data).map(([name, r]) => [
      name
        .replace(/_[0-9A-F]{8}$/, "")
        .replace(/_Push$/, "")
        .replace("_", "/"),
      { ...r, address: `terraform_data.${name}` },
    ]),
  );
}

/** Two servers that peer, and clients of both. */
function fleet(stack: TerraformStack, clients = 4) {
  const s1 = new ChronyHost(stack, "s1", { target: target(1), allow: ["10.0.0.0/24"] });
  const s2 = new ChronyHost(stack, "s2", { target: target(2), allow: ["10.0.0.0/24"] });
  ChronyHost.peer(s1, s2);
  const cs = Array.from({ length: clients }, (_, i) => {
    const c = new ChronyHost(stack, `c${i + 1}`, { target: target(i + 3) });
    c.addServer(s1);
    c.addServer(s2);
    return c;
  });
  return { s1, s2, clients: cs };
}

describe("push order", () => {
  it("runs clients after the servers they use, and leaves peers unordered", () => {
    const { stack } = testStack();
    fleet(stack, 2);
    const r = byPath(stack);
    expect(r.s1.depends_on).toBeUndefined();
    expect(r.s2.depends_on).toBeUndefined();
    expect(r.c1.depends_on).toEqual([r.s1.address, r.s2.address]);
    expect(r.c2.depends_on).toEqual([r.s1.address, r.s2.address]);
  });

  it("orders null_resource pushes the same way", () => {
    const { stack } = testStack();
    const s = new ChronyHost(stack, "s", { target: target(1), pushResource: PushResourceType.NULL_RESOURCE });
    new ChronyHost(stack, "c", { target: target(2), pushResource: PushResourceType.NULL_RESOURCE, servers: [{ address: s }] });
    const json = JSON.parse(Testing.synth(stack));
    const [[sName], [, c]] = Object.entries(json.resource.null_resource).sort(([a], [b]) =>
      a.startsWith("s_") ? -1 : b.startsWith("s_") ? 1 : 0,
    ) as [string, { depends_on: string[] }][];
    expect(c.depends_on).toEqual([`null_resource.${sName}`]);
  });
});

describe("Rollout", () => {
  it("orders hosts into waves through gates: each wave waits for the gate before it, each gate for its wave", () => {
    const { stack } = testStack();
    const { clients } = fleet(stack, 5);
    const rollout = new Rollout(stack, "Rollout", { hosts: clients, waves: [RolloutWave.hosts([clients[2]]), RolloutWave.percent(40)] });
    expect(rollout.waves.map((w) => w.map((h) => h.hostName))).toEqual([["c3"], ["c1", "c2"], ["c4", "c5"]]);
    const r = byPath(stack);
    const [gate1, gate2] = [r["Rollout/Gate1"], r["Rollout/Gate2"]];
    expect(gate1.depends_on).toEqual([r.c3.address]);
    expect(gate2.depends_on).toEqual([r.c1.address, r.c2.address, gate1.address]);
    // The canary waits for its servers; the later waves wait for their gate, which already waits
    // for those servers (through the canary), so their own edges to the servers are left out.
    expect(r.c3.depends_on).toEqual([r.s1.address, r.s2.address]);
    expect(r.c1.depends_on).toEqual([gate1.address]);
    expect(r.c5.depends_on).toEqual([gate2.address]);
    expect(r.s1.depends_on).toBeUndefined();
  });

  it("runs `cdktf-chrony verify` on the wave's hosts with the gate's thresholds", () => {
    const { stack } = testStack();
    const { clients } = fleet(stack, 3);
    new Rollout(stack, "Rollout", {
      hosts: clients,
      waves: [RolloutWave.count(2)],
      gate: { timeoutSeconds: 90, maxOffsetSeconds: 0.05, requireSynchronised: false },
    });
    const exec = byPath(stack)["Rollout/Gate1"].provisioner[0]["local-exec"];
    expect(exec.interpreter.slice(exec.interpreter.indexOf("verify"))).toEqual([
      "verify",
      "--gate",
      "Rollout wave 1",
      "--host",
      "c1,c2",
      "--max-offset",
      "0.05",
      "--timeout",
      "90",
    ]);
    expect(exec.command).toBe("chrony-hosts.jsonl");
  });

  it("gives a gate triggers that follow its wave: a change to a host of the wave changes them, a change elsewhere does not", () => {
    const gateTriggers = (maxPoll: { c1: number; c3: number }) => {
      const { stack } = testStack();
      const { clients } = fleet(stack, 3);
      clients[0].addServer("192.0.2.1", { maxPoll: maxPoll.c1 });
      clients[2].addServer("192.0.2.1", { maxPoll: maxPoll.c3 });
      new Rollout(stack, "Rollout", { hosts: clients, waves: [RolloutWave.hosts([clients[0]])] });
      return byPath(stack)["Rollout/Gate1"].triggers_replace;
    };
    const before = gateTriggers({ c1: 8, c3: 8 });
    expect(gateTriggers({ c1: 8, c3: 9 })).toEqual(before);
    expect(gateTriggers({ c1: 9, c3: 8 }).wave).not.toBe(before.wave);
  });

  it("lets the waves win over server order: a canary client before its server is not made to wait for it", () => {
    const { stack } = testStack();
    const { s1, s2, clients } = fleet(stack, 2);
    new Rollout(stack, "Rollout", { hosts: [clients[0], s1, s2, clients[1]], waves: [RolloutWave.hosts([clients[0]])] });
    const r = byPath(stack);
    expect(r.c1.depends_on).toBeUndefined();
    // Within the second wave the servers still go before their client.
    expect(r.c2.depends_on).toEqual([r.s1.address, r.s2.address, r["Rollout/Gate1"].address]);
    expect(r.s1.depends_on).toEqual([r["Rollout/Gate1"].address]);
  });

  it("fails for a host in two waves, a wave that gets no host, a bad percentage, and a host of another stack", () => {
    const { app, stack } = testStack();
    const { clients } = fleet(stack, 2);
    const [c1, c2] = clients;
    expect(() => new Rollout(stack, "A", { waves: [RolloutWave.hosts([c1]), RolloutWave.hosts([c1, c2])] })).toThrow(
      "rollout A: host c1 is in wave 1 and wave 2: put each host in one wave",
    );
    expect(() => new Rollout(stack, "B", { hosts: clients, waves: [RolloutWave.count(2), RolloutWave.count(1)] })).toThrow(
      "rollout B: wave 2 gets no host (the waves before it took all 2): remove it, or give the rollout more hosts",
    );
    expect(() => new Rollout(stack, "C", { hosts: clients, waves: [RolloutWave.percent(150)] })).toThrow(
      "rollout C: invalid RolloutWave.percent(150) for wave 1: use a percentage above 0, at most 100",
    );
    expect(() => new Rollout(stack, "D", { hosts: clients, waves: [RolloutWave.count(1)], gate: { maxOffsetSeconds: -1 } })).toThrow(
      "rollout D: invalid gate maxOffsetSeconds -1: use a positive number of seconds, e.g. 0.1",
    );
    const other = new TerraformStack(app, "other");
    const elsewhere = new ChronyHost(other, "x", { target: target(99) });
    expect(() => new Rollout(stack, "E", { hosts: [c1, elsewhere], waves: [RolloutWave.count(1)] })).toThrow(
      /rollout E: host x is in stack other, the rollout in stack fleet: one Terraform graph cannot order another stack's resources/,
    );
  });
});
