import { BUNDLE_FILE } from "../lib/deploy/manifest-bundle";
import { Construct, Lazy, TerraformResource, TerraformStack } from "./cdk";
import type { ChronyHost } from "./chrony-host";
import { resolveHost } from "./host-resolution";
import { ManifestBundle } from "./manifest-bundle";
import { TerraformData } from "./terraform-data";

/** The Terraform resource that carries a host's apply. */
export enum PushResourceType {
  /** Built into Terraform ≥ 1.4 and OpenTofu: nothing to download. */
  TERRAFORM_DATA = "terraform_data",
  /** `null_resource` from @cdktf/provider-null, for older Terraform or teams that standardise on it. */
  NULL_RESOURCE = "null_resource",
}

export interface PushResourceProps {
  readonly host: ChronyHost;
  readonly type: PushResourceType;
  readonly applyCommand: readonly string[];
}


/** Terraform reads `${` and `%{` in strings as templates; paths must stay literal. */
function escapeForTerraform(text: string): string {
  return text.replace(/\$\{/g, "$${").replace(/%\{/g, "%%{");
}

/**
 * One push resource per host. Its triggers hold digests only (files, keyed key fingerprints,
 * target), so `terraform plan` names exactly the hosts that change. Its local-exec provisioner
 * runs `cdktf-chrony apply --host ID chrony-hosts.jsonl` in the stack's folder, where synth wrote
 * the manifests of the stack's hosts (one file per stack; Terraform keeps provisioner settings
 * out of the state and the plan).
 */
export class PushResource extends Construct {
  public readonly resource: TerraformResource;

  constructor(scope: Construct, id: string, props: PushResourceProps) {
    super(scope, id);
    const { host } = props;
    ManifestBundle.of(host);
    const triggers = () => resolveHost(host).triggers;
    // Terraform appends `command` to `interpreter`: no shell, so nothing to quote or inject.
    const provisioners = [
      {
        type: "local-exec" as const,
        interpreter: [...props.applyCommand.map(escapeForTerraform), "apply", "--host", host.hostName],
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
      this.resource = new nullProvider.resource.Resource(this, "Resource", { triggers: lazyTriggers, provisioners });
    } else {
      this.resource = new TerraformData(this, "Resource", { triggersReplace: triggers, provisioners });
    }
  }
}
