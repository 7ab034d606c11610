import { CompiledFleet, CompiledHost, compileFleet, HostDeclaration, KeyDeclaration, NtsAuthorityDeclaration, NtsCertificateDeclaration, RotationDeclaration } from "../lib/fleet";
import { projectKeyFingerprints } from "../lib/keys/key-fingerprints";
import { projectNtsMaterial } from "../lib/keys/nts/project-nts";
import { packageVersion } from "../lib/package-info";
import { Construct, IConstruct, TerraformStack } from "./cdk";
import { projectDir } from "./project-dir";

/** What a ChronyHost gives the registry: its declaration on demand, and a way to receive its result. */
export interface RegisteredHost {
  readonly ref: string;
  readonly stack: TerraformStack;
  declare(): HostDeclaration;
  receive(compiled: CompiledHost): void;
}

const ID = "cdktf-chrony.Fleet";

/**
 * The app's fleet: every ChronyHost, NtpKey, KeyRotation and NTS certificate or authority registers here (hosts may point at
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
  private readonly keys: KeyDeclaration[] = [];
  private readonly rotations: RotationDeclaration[] = [];
  private readonly ntsAuthorities: NtsAuthorityDeclaration[] = [];
  private readonly ntsCertificates: NtsCertificateDeclaration[] = [];
  private compiled?: CompiledFleet;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
  }

  public registerHost(host: RegisteredHost): void {
    this.hosts.push(host);
    this.changed();
  }

  public registerKey(key: KeyDeclaration): void {
    this.keys.push(key);
    this.changed();
  }

  public registerRotation(rotation: RotationDeclaration): void {
    this.rotations.push(rotation);
    this.changed();
  }

  public registerNtsAuthority(authority: NtsAuthorityDeclaration): void {
    this.ntsAuthorities.push(authority);
    this.changed();
  }

  public registerNtsCertificate(certificate: NtsCertificateDeclaration): void {
    this.ntsCertificates.push(certificate);
    this.changed();
  }

  /** A registered host changed (a source was added): the next synth compiles again. */
  public changed(): void {
    this.compiled = undefined;
  }

  /** The compiled fleet, computed at most once between changes. */
  public compile(): CompiledFleet {
    if (!this.compiled) {
      const keys = projectKeyFingerprints(projectDir());
      this.compiled = compileFleet(
        {
          hosts: this.hosts.map((h) => h.declare()),
          keys: this.keys,
          rotations: this.rotations,
          ntsAuthorities: this.ntsAuthorities,
          ntsCertificates: this.ntsCertificates,
        },
        keys,
        { generator: `cdktf-chrony ${packageVersion()}`, nts: projectNtsMaterial(projectDir(), keys.saltSpec) },
      );
    }
    return this.compiled;
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
