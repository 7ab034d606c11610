import { BUNDLE_FILE } from "../lib/manifest";
import { ConfigError } from "../lib/model/config-error";
import { sha256Hex } from "../lib/sha256";
import { Construct, TerraformResource } from "./cdk";
import type { ChronyHost } from "./chrony-host";
import { FleetRegistry } from "./fleet-registry";
import { TerraformData } from "./terraform-data";

/** What a health gate checks on the hosts of the wave before it. */
export interface HealthGateProps {
  /**
   * How long the gate waits for every host to pass, in seconds; past it the gate fails.
   * @default - each host's verify.timeoutSeconds (30 s, longer for hosts with peers)
   */
  readonly timeoutSeconds?: number;
  /**
   * Require chronyd to consider itself synchronised (leap status not "unsynchronised"; a host that
   * serves its `local` clock counts). A host's own `verify.requireSynchronised` still applies.
   * @default true
   */
  readonly requireSynchronised?: boolean;
  /**
   * The largest |offset| accepted, in seconds: both the system clock's offset from NTP time and the
   * last measured offset (chronyc tracking's "System time" and "Last offset").
   * @default 0.1
   */
  readonly maxOffsetSeconds?: number;
}

/** What a gate needs besides its thresholds. */
export interface HealthGateTarget {
  /** The name in messages, e.g. "Rollout wave 1". */
  readonly name: string;
  /** The hosts it checks (one wave); the gate runs the CLI the first of them runs (its applyCommand). */
  readonly hosts: readonly ChronyHost[];
  /** A gate before this one: this gate also waits for it, so waves stay in order. @default - none */
  readonly previous?: HealthGate;
}

const DEFAULT_MAX_OFFSET_SECONDS = 0.1;
const HEALTH_GATE_BRAND = Symbol.for("cdktf-chrony.HealthGate");

/** Terraform reads `${` and `%{` in strings as templates; arguments must stay literal. */
function escapeForTerraform(text: string): string {
  return text.replace(/\$\{/g, "$${").replace(/%\{/g, "%%{");
}

/** Checks gate props in a constructor; the bad value is in the message. */
export function checkHealthGateProps(props: HealthGateProps, where: string): void {
  if (props.timeoutSeconds !== undefined && !(Number.isFinite(props.timeoutSeconds) && props.timeoutSeconds > 0 && props.timeoutSeconds <= 86_400)) {
    throw new ConfigError(`${where}: invalid gate timeoutSeconds ${props.timeoutSeconds}: use a number of seconds above 0, at most 86400`);
  }
  if (props.maxOffsetSeconds !== undefined && !(Number.isFinite(props.maxOffsetSeconds) && props.maxOffsetSeconds > 0)) {
    throw new ConfigError(`${where}: invalid gate maxOffsetSeconds ${props.maxOffsetSeconds}: use a positive number of seconds, e.g. 0.1`);
  }
  if (props.requireSynchronised !== undefined && typeof props.requireSynchronised !== "boolean") {
    throw new ConfigError(`${where}: invalid gate requireSynchronised ${JSON.stringify(props.requireSynchronised)}: use true or false`);
  }
}

/**
 * A health gate after a wave of hosts: a `terraform_data` that waits for every push resource of
 * the wave, then runs `cdktf-chrony verify` on those hosts with the gate's thresholds. When a host
 * fails a check the provisioner fails, Terraform stops every resource that depends on the gate (the
 * next waves), and the message names each host and what it failed. Its triggers follow the wave's
 * triggers: whenever a host of the wave changes, the gate runs again; a failed gate is tainted and
 * runs again on the next deploy.
 */
export class HealthGate extends Construct {
  public static isHealthGate(x: unknown): x is HealthGate {
    return typeof x === "object" && x !== null && HEALTH_GATE_BRAND in x;
  }

  public readonly resource: TerraformResource;

  constructor(scope: Construct, id: string, target: HealthGateTarget, props: HealthGateProps = {}) {
    super(scope, id);
    Object.defineProperty(this, HEALTH_GATE_BRAND, { value: true });
    checkHealthGateProps(props, target.name);
    if (target.hosts.length === 0) throw new ConfigError(`${target.name}: a health gate needs at least one host to check`);
    const registry = FleetRegistry.of(this);
    const ids = target.hosts.map((h) => h.hostName);
    const requireSynchronised = props.requireSynchronised ?? true;
    const maxOffset = props.maxOffsetSeconds ?? DEFAULT_MAX_OFFSET_SECONDS;
    const args = [
      ...target.hosts[0].push.cliCommand,
      "verify",
      "--gate",
      target.name,
      "--host",
      ids.join(","),
      "--max-offset",
      String(maxOffset),
      ...(requireSynchronised ? ["--require-synchronised"] : []),
      ...(props.timeoutSeconds !== undefined ? ["--timeout", String(props.timeoutSeconds)] : []),
    ];
    const checks = `synchronised ${requireSynchronised ? "required" : "not required"}; |offset| <= ${maxOffset} s; timeout ${props.timeoutSeconds ?? "per host"}`;
    this.resource = new TerraformData(this, "Resource", {
      triggersReplace: () => ({
        // The wave's own triggers (files, keys, target of every host): the gate runs when they change.
        wave: sha256Hex(
          target.hosts
            .map((h) => {
              const t = registry.compiledHost(h.node.path).triggers;
              return `${h.hostName}\0${t.files}\0${t.keys}\0${t.target}`;
            })
            .sort()
            .join("\n"),
        ),
        checks,
      }),
      dependsOnAtSynth: () => [...target.hosts.map((h) => h.push.resource), ...(target.previous ? [target.previous.resource] : [])],
      provisioners: [{ type: "local-exec", interpreter: args.map(escapeForTerraform), command: BUNDLE_FILE }],
      lifecycle: { createBeforeDestroy: true },
    });
  }
}
