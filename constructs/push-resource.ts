import { BUNDLE_FILE } from "../lib/manifest";
import { Construct, Lazy, TerraformResource, TerraformStack } from "./cdk";
import { TerraformData } from "./terraform-data";

/** The Terraform resource that carries a host's apply. */
export enum PushResourceType {
  /** Built into Terraform ≥ 1.4 and OpenTofu: nothing to download. */
  TERRAFORM_DATA = "terraform_data",
  /** `null_resource` from @cdktf/provider-null, for older Terraform or teams that standardise on it. */
  NULL_RESOURCE = "null_resource",
}

export interface PushResourceProps {
  /** The host's name in the stack's manifests. */
  readonly hostName: string;
  /** @default PushResourceType.TERRAFORM_DATA */
  readonly type?: PushResourceType;
  /** The `cdktf-chrony` invocation the provisioner runs (program and leading arguments). */
  readonly applyCommand: readonly string[];
  /** The digests to trigger on; called at synth, once the whole fleet is compiled. */
  readonly triggers: () => Readonly<Record<string, string>>;
  /** The push resources that must run first (the host's servers); called at synth. @default - none */
  readonly after?: () => readonly PushResource[];
}

// The resource does nothing when destroyed, so the new one is created first: a replacement that
// never runs (its wave's gate failed) leaves the old one, and its triggers, in the state.
const CREATE_BEFORE_DESTROY = Object.freeze({ createBeforeDestroy: true });

/** Terraform reads `${` and `%{` in strings as templates; paths must stay literal. */
function escapeForTerraform(text: string): string {
  return text.replace(/\$\{/g, "$${").replace(/%\{/g, "%%{");
}

/**
 * One push resource per host. Its triggers hold digests only (files, keyed key fingerprints,
 * target), so `terraform plan` names exactly the hosts that change. Its local-exec provisioner
 * runs `cdktf-chrony apply --host ID chrony-hosts.jsonl` in the stack's folder, where synth wrote
 * the manifests of the stack's hosts (Terraform keeps provisioner settings out of the state and
 * the plan).
 */
export class PushResource extends Construct {
  public readonly resource: TerraformResource;
  /** The `cdktf-chrony` invocation the provisioner runs (program and leading arguments). */
  public readonly cliCommand: readonly string[];
  private readonly waitsFor: TerraformResource[] = [];

  constructor(scope: Construct, id: string, props: PushResourceProps) {
    super(scope, id);
    this.cliCommand = props.applyCommand;
    const triggers = (): Record<string, string> => ({ ...props.triggers() });
    const dependencies = (): TerraformResource[] => [...(props.after?.() ?? []).map((p) => p.resource), ...this.waitsFor];
    const lifecycle = CREATE_BEFORE_DESTROY;
    // Terraform appends `command` to `interpreter`: no shell, so nothing to quote or inject.
    const provisioners = [
      {
        type: "local-exec" as const,
        interpreter: [...props.applyCommand.map(escapeForTerraform), "apply", "--host", props.hostName],
        command: BUNDLE_FILE,
      },
    ];
    if (props.type === PushResourceType.NULL_RESOURCE) {
      // Loaded only when asked for: CDK Terrain users need not install the cdktf provider package.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const nullProvider = require("@cdktf/provider-null") as typeof import("@cdktf/provider-null");
      const stack = TerraformStack.of(this);
      if (!stack.node.tryFindChild("NullProvider")) new nullProvider.provider.NullProvider(stack, "NullProvider");
      const lazyTriggers = Lazy.anyValue({ produce: triggers }) as unknown as Record<string, string>;
      this.resource = new nullProvider.resource.Resource(this, "Resource", { triggers: lazyTriggers, provisioners, lifecycle });
      const address = (r: TerraformResource) => `${r.terraformResourceType}.${r.friendlyUniqueId}`;
      this.resource.addOverride("depends_on", Lazy.listValue({ produce: () => dependencies().map(address) }));
    } else {
      this.resource = new TerraformData(this, "Resource", { triggersReplace: triggers, provisioners, lifecycle, dependsOnAtSynth: dependencies });
    }
  }

  /** Runs this push after `resource` (e.g. a rollout's gate): a Terraform `depends_on` in the same stack. */
  public addDependency(resource: TerraformResource): void {
    this.waitsFor.push(resource);
  }
}
