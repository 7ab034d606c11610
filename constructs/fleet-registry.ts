import { CompiledFleet, CompiledHost, compileFleet, HostDeclaration, KeyDeclaration, RolloutDeclaration, RotationDeclaration } from "../lib/fleet";
import { projectKeyFingerprints } from "../lib/keys/key-fingerprints";
import { packageVersion } from "../lib/package-info";
import { Construct, IConstruct, TerraformStack } from "./cdk";
import { projectDir } from "./project-dir";
import type { PushResource } from "./push-resource";

/** What a ChronyHost gives the registry: its declaration on demand, and a way to receive its result. */
export interface RegisteredHost {
  readonly ref: string;
  readonly stack: TerraformStack;
  readonly push: PushResource;
  declare(): HostDeclaration;
  receive(compiled: CompiledHost): void;
}

const ID = "cdktf-chrony.Fleet";

/**
 * The app's fleet: every ChronyHost, NtpKey and KeyRotation registers here (hosts may point at
 * hosts of other stacks, so it is one per app, a child of the app root). The compiler runs once per
 * synth over all of them; any change to a host afterwards (another addServer) drops the result, so
 * it never goes stale.
 */
export class FleetRegistry extends Construct {
  public static of(scope: IConstruct): FleetRegistry {
    const root = scope.node.root;
    return (root.node.tryFindChild(ID) as FleetRegistry | undefined) ?? new FleetRegistry(root as Construct, ID);
  }

  private readonly hosts: RegisteredHost[] = [];
  private readonly hostsByRef = new Map<string, RegisteredHost>();
  private readonly keys: KeyDeclaration[] = [];
  private readonly rotations: RotationDeclaration[] = [];
  private readonly rollouts: RolloutDeclaration[] = [];
  private compiled?: CompiledFleet;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
  }

  public registerHost(host: RegisteredHost): void {
    this.hosts.push(host);
    this.hostsByRef.set(host.ref, host);
    this.changed();
  }

  public registerRollout(rollout: RolloutDeclaration): void {
    this.rollouts.push(rollout);
    this.changed();
  }

  /** The push resource of a registered host. */
  public pushOf(ref: string): PushResource {
    const host = this.hostsByRef.get(ref);
    if (!host) throw new Error(`no host ${ref} in the fleet`);
    return host.push;
  }

  public registerKey(key: KeyDeclaration): void {
    this.keys.push(key);
    this.changed();
  }

  public registerRotation(rotation: RotationDeclaration): void {
    this.rotations.push(rotation);
    this.changed();
  }

  /** A registered host changed (a source was added): the next synth compiles again. */
  public changed(): void {
    this.compiled = undefined;
  }

  /** The compiled fleet, computed at most once between changes. */
  public compile(): CompiledFleet {
    this.compiled ??= compileFleet(
      { hosts: this.hosts.map((h) => h.declare()), keys: this.keys, rotations: this.rotations, rollouts: this.rollouts },
      projectKeyFingerprints(projectDir()),
      { generator: `cdktf-chrony ${packageVersion()}` },
    );
    return this.compiled;
  }

  /** A compiled host, by ref. */
  public compiledHost(ref: string): CompiledHost {
    const found = this.compile().byRef.get(ref);
    if (!found) throw new Error(`no host ${ref} in the fleet`);
    return found;
  }

  /** The compiled hosts of one stack, handed to their constructs (push resource triggers, warnings). */
  public handToStack(stack: TerraformStack): CompiledHost[] {
    const fleet = this.compile();
    return this.hosts
      .filter((h) => h.stack === stack)
      .map((h) => {
        const compiled = fleet.byRef.get(h.ref)!;
        h.receive(compiled);
        return compiled;
      });
  }
}
