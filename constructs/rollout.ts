import { ConfigError } from "../lib/model/config-error";
import { Construct, TerraformStack } from "./cdk";
import { ChronyHost } from "./chrony-host";
import { FleetRegistry } from "./fleet-registry";
import { HealthGate, HealthGateProps, checkHealthGateProps } from "./health-gate";

type WaveSpec =
  | { readonly kind: "hosts"; readonly hosts: readonly ChronyHost[] }
  | { readonly kind: "count"; readonly count: number }
  | { readonly kind: "percent"; readonly percent: number };

const WAVE_BRAND = Symbol.for("cdktf-chrony.RolloutWave");

/** One wave of a rollout: named hosts, or the next hosts of the rollout by count or percentage. */
export class RolloutWave {
  public static isRolloutWave(x: unknown): x is RolloutWave {
    return typeof x === "object" && x !== null && WAVE_BRAND in x;
  }

  /** Exactly these hosts (e.g. the canaries). */
  public static hosts(hosts: readonly ChronyHost[]): RolloutWave {
    return new RolloutWave({ kind: "hosts", hosts: [...hosts] });
  }

  /** The next `count` hosts of the rollout, in the order of `RolloutProps.hosts`, that no `hosts` wave names. */
  public static count(count: number): RolloutWave {
    return new RolloutWave({ kind: "count", count });
  }

  /** The next `percent` % of the rollout's hosts (rounded up, at least one), taken as `count` takes them. */
  public static percent(percent: number): RolloutWave {
    return new RolloutWave({ kind: "percent", percent });
  }

  private constructor(public readonly spec: WaveSpec) {
    Object.defineProperty(this, WAVE_BRAND, { value: true });
  }
}

export interface RolloutProps {
  /**
   * The hosts to roll out, all in the rollout's stack. Count and percentage waves take them in
   * this order; hosts that no wave takes form one last wave.
   * @default - the hosts that the `RolloutWave.hosts` waves name
   */
  readonly hosts?: readonly ChronyHost[];
  /** The waves, in order, e.g. `[RolloutWave.hosts([canary]), RolloutWave.percent(25)]`. */
  readonly waves: readonly RolloutWave[];
  /** The checks between waves. @default - synchronised, |offset| ≤ 0.1 s, each host's verify timeout */
  readonly gate?: HealthGateProps;
}

const ROLLOUT_BRAND = Symbol.for("cdktf-chrony.Rollout");

/**
 * Deploys hosts in waves with a health gate between them, through Terraform's graph: every push
 * resource of a wave depends on the gate after the wave before it, and each gate depends on the
 * push resources of its wave. A gate runs `cdktf-chrony verify` on its wave's hosts (sources
 * reachable, keyed ones authenticated, synchronised, |offset| within bounds, within the timeout);
 * when it fails, Terraform stops: the later waves' hosts are not touched, and the message names the
 * hosts and the checks they failed. Fix the app and deploy again: the changed hosts apply, the
 * failed gate runs again, and the rollout continues.
 *
 * Within and across waves, servers still apply before their clients where that does not contradict
 * the waves (a client placed in an earlier wave than its server is deployed first, as asked).
 */
export class Rollout extends Construct {
  public static isRollout(x: unknown): x is Rollout {
    return typeof x === "object" && x !== null && ROLLOUT_BRAND in x;
  }

  /** The hosts of each wave, in order. */
  public readonly waves: ReadonlyArray<readonly ChronyHost[]>;
  /** The gate after each wave but the last. */
  public readonly gates: readonly HealthGate[];

  constructor(scope: Construct, id: string, props: RolloutProps) {
    super(scope, id);
    Object.defineProperty(this, ROLLOUT_BRAND, { value: true });
    const where = `rollout ${id}`;
    const stack = TerraformStack.of(this);
    this.waves = resolveWaves(props, where, stack);
    checkHealthGateProps(props.gate ?? {}, where);
    const gates: HealthGate[] = [];
    this.waves.forEach((wave, i) => {
      if (gates.length > 0) for (const host of wave) host.push.addDependency(gates[gates.length - 1].resource);
      if (i === this.waves.length - 1) return;
      gates.push(new HealthGate(this, `Gate${i + 1}`, { name: `${id} wave ${i + 1}`, hosts: wave, previous: gates[gates.length - 1] }, props.gate));
    });
    this.gates = gates;
    FleetRegistry.of(this).registerRollout({ ref: this.node.path, stack: stack.node.id, waves: this.waves.map((w) => w.map((h) => h.node.path)) });
  }
}

function resolveWaves(props: RolloutProps, where: string, stack: TerraformStack): ChronyHost[][] {
  if (!Array.isArray(props.waves) || props.waves.length === 0) {
    throw new ConfigError(`${where}: waves is empty: give at least one wave, e.g. [RolloutWave.hosts([canary])]; the other hosts form the last wave`);
  }
  const checkHost = (h: unknown, what: string): ChronyHost => {
    if (!ChronyHost.isChronyHost(h)) throw new ConfigError(`${where}: ${what} holds ${describe(h)}, not a ChronyHost`);
    if (TerraformStack.of(h) !== stack) {
      throw new ConfigError(
        `${where}: host ${h.hostName} is in stack ${TerraformStack.of(h).node.id}, the rollout in stack ${stack.node.id}: one Terraform graph cannot order another stack's resources; give each stack its own Rollout`,
      );
    }
    return h;
  };
  const named = new Map<ChronyHost, number>();
  props.waves.forEach((wave, i) => {
    if (!RolloutWave.isRolloutWave(wave))
      throw new ConfigError(`${where}: waves[${i}] is ${describe(wave)}: use RolloutWave.hosts, .count or .percent`);
    if (wave.spec.kind !== "hosts") return;
    if (wave.spec.hosts.length === 0) throw new ConfigError(`${where}: wave ${i + 1} names no host: give RolloutWave.hosts at least one host`);
    for (const h of wave.spec.hosts) {
      const host = checkHost(h, `wave ${i + 1}`);
      const other = named.get(host);
      if (other !== undefined)
        throw new ConfigError(`${where}: host ${host.hostName} is in wave ${other + 1} and wave ${i + 1}: put each host in one wave`);
      named.set(host, i);
    }
  });
  const all = props.hosts ?? [...named.keys()];
  const members = new Set<ChronyHost>();
  all.forEach((h, i) => {
    const host = checkHost(h, `hosts[${i}]`);
    if (members.has(host)) throw new ConfigError(`${where}: hosts lists ${host.hostName} twice`);
    members.add(host);
  });
  for (const host of named.keys()) {
    if (!members.has(host))
      throw new ConfigError(`${where}: wave ${named.get(host)! + 1} names ${host.hostName}, which is not in the rollout's hosts: add it to hosts`);
  }
  // Count and percentage waves take, in order, the hosts that no named wave claims.
  const pool = all.filter((h) => !named.has(h));
  let next = 0;
  const waves = props.waves.map((wave, i): ChronyHost[] => {
    const spec = wave.spec;
    if (spec.kind === "hosts") return [...spec.hosts];
    let take: number;
    if (spec.kind === "count") {
      if (!Number.isInteger(spec.count) || spec.count < 1)
        throw new ConfigError(`${where}: invalid RolloutWave.count(${spec.count}) for wave ${i + 1}: use a whole number of hosts, at least 1`);
      take = spec.count;
    } else {
      if (!Number.isFinite(spec.percent) || spec.percent <= 0 || spec.percent > 100) {
        throw new ConfigError(`${where}: invalid RolloutWave.percent(${spec.percent}) for wave ${i + 1}: use a percentage above 0, at most 100`);
      }
      take = Math.max(1, Math.ceil((all.length * spec.percent) / 100));
    }
    if (next >= pool.length) {
      throw new ConfigError(
        `${where}: wave ${i + 1} gets no host (the waves before it took all ${all.length}): remove it, or give the rollout more hosts`,
      );
    }
    const wave_ = pool.slice(next, next + take);
    next += take;
    return wave_;
  });
  if (next < pool.length) waves.push(pool.slice(next));
  return waves;
}

function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (typeof x === "object") return x.constructor?.name ? `a ${x.constructor.name}` : "an object";
  return JSON.stringify(x);
}
