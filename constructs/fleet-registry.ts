import {
  CompiledHost,
  compileFleetEach,
  HostDeclaration,
  KeyDeclaration,
  NtsAuthorityDeclaration,
  NtsCertificateDeclaration,
  RolloutDeclaration,
  RotationDeclaration,
} from "../lib/fleet";
import { projectKeyFingerprints } from "../lib/keys/key-fingerprints";
import { projectNtsMaterial } from "../lib/keys/nts/project-nts";
import { BundleEntry, bundleLine, profileKey } from "../lib/manifest";
import type { HostProfile } from "../lib/model/profiles/host-profile";
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
  receive(compiled: CompiledEntry): void;
}

/**
 * What the registry keeps of a compiled host until synth is done: the manifest already serialized
 * as its bundle line (a string holds far less memory than the manifest's objects, for thousands of
 * hosts), the triggers and order of its push resource, and its warnings.
 */
export interface CompiledEntry extends BundleEntry, Pick<CompiledHost, "ref" | "stack" | "triggers" | "warnings" | "after"> {}

const ID = "cdktf-chrony.Fleet";

/**
 * The app's fleet: every ChronyHost, NtpKey, KeyRotation, Rollout and NTS certificate or authority
 * registers here (hosts may point at hosts of other stacks, so it is one per app, a child of the app
 * root). The compiler runs once per synth over all of them; any change to a host afterwards (another
 * addServer) drops the result, so it never goes stale.
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
  private compiled?: ReadonlyMap<string, CompiledEntry>;
  /** Profiles by bundle key, each stored once (see lib/manifest/bundle.ts). */
  private readonly profiles = new Map<string, HostProfile>();
  private readonly profileKeys = new WeakMap<HostProfile, string>();
  /** Profiles already checked, by their JSON and chrony version: hosts with equal profiles share one object. */
  private readonly checkedProfiles = new Map<string, HostProfile>();
  private readonly checkedByIdentity = new WeakMap<HostProfile, { readonly version: string; readonly checked: HostProfile }>();
  private readonly ntsAuthorities: NtsAuthorityDeclaration[] = [];
  private readonly ntsCertificates: NtsCertificateDeclaration[] = [];

  private constructor(scope: Construct, id: string) {
    super(scope, id);
  }

  public registerHost(host: RegisteredHost): void {
    this.hosts.push(host);
    this.hostsByRef.set(host.ref, host);
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

  public registerRollout(rollout: RolloutDeclaration): void {
    this.rollouts.push(rollout);
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

  /**
   * A host's profile, checked once for all hosts with an equal profile (`check` runs on a miss):
   * a fleet built in a loop with `HostProfiles.debian()` per host checks and keeps one profile.
   */
  public checkedProfile(profile: HostProfile, version: string, check: () => HostProfile): HostProfile {
    const same = this.checkedByIdentity.get(profile);
    if (same?.version === version) return same.checked;
    const checked = this.checkedByContent(profile, version, check);
    this.checkedByIdentity.set(profile, { version, checked });
    return checked;
  }

  private checkedByContent(profile: HostProfile, version: string, check: () => HostProfile): HostProfile {
    let key: string;
    try {
      key = `${version}\0${JSON.stringify(profile)}`;
    } catch {
      return check(); // not plain data (a cycle, a bigint): the check says what is wrong
    }
    let checked = this.checkedProfiles.get(key);
    if (!checked) {
      checked = check();
      this.checkedProfiles.set(key, checked);
    }
    return checked;
  }

  /** The push resource of a registered host. */
  public pushOf(ref: string): PushResource {
    const host = this.hostsByRef.get(ref);
    if (!host) throw new Error(`no host ${ref} in the fleet`);
    return host.push;
  }

  /** The compiled fleet by host ref, computed at most once between changes. */
  public compile(): ReadonlyMap<string, CompiledEntry> {
    if (!this.compiled) {
      const keys = projectKeyFingerprints(projectDir());
      const entries = compileFleetEach(
        {
          hosts: this.hosts.map((h) => h.declare()),
          keys: this.keys,
          rotations: this.rotations,
          rollouts: this.rollouts,
          ntsAuthorities: this.ntsAuthorities,
          ntsCertificates: this.ntsCertificates,
        },
        keys,
        { generator: `cdktf-chrony ${packageVersion()}`, nts: projectNtsMaterial(projectDir(), keys.saltSpec) },
        (h): CompiledEntry => {
          const profile = this.keyOf(h.manifest.profile);
          return {
            ref: h.ref,
            id: h.id,
            stack: h.stack,
            triggers: h.triggers,
            warnings: h.warnings,
            after: h.after,
            profile,
            line: bundleLine(h.manifest, profile),
          };
        },
      );
      this.compiled = new Map(entries.map((e) => [e.ref, e]));
    }
    return this.compiled;
  }

  /** The profiles of the fleet by key. */
  public get profilesByKey(): ReadonlyMap<string, HostProfile> {
    return this.profiles;
  }

  private keyOf(profile: HostProfile): string {
    let key = this.profileKeys.get(profile);
    if (key === undefined) {
      key = profileKey(profile);
      this.profileKeys.set(profile, key);
      this.profiles.set(key, profile);
    }
    return key;
  }

  /** A compiled host, by ref. */
  public compiledHost(ref: string): CompiledEntry {
    const found = this.compile().get(ref);
    if (!found) throw new Error(`no host ${ref} in the fleet`);
    return found;
  }

  /** The compiled hosts of one stack, handed to their constructs (push resource triggers, warnings). */
  public handToStack(stack: TerraformStack): CompiledEntry[] {
    const fleet = this.compile();
    return this.hosts
      .filter((h) => h.stack === stack)
      .map((h) => {
        const compiled = fleet.get(h.ref)!;
        h.receive(compiled);
        return compiled;
      });
  }
}
