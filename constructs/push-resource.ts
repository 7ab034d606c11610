import * as fs from "node:fs";
import * as path from "node:path";
import { Construct, Lazy, TerraformResource, TerraformStack, onSynthesize } from "./cdk";
import type { ChronyHost } from "./chrony-host";
import { resolveHost } from "./host-resolution";
import { TerraformData } from "./terraform-data";
import { MANIFEST_FOLDER } from "../lib/deploy/outdir";

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


/** Terraform reads `${` and `%{` in strings as templates; our paths must stay literal. */
function literal(text: string): string {
  return text.replace(/\$\{/g, "$${").replace(/%\{/g, "%%{");
}

/**
 * One push resource per host. Its triggers hold digests only (files, keyed key fingerprints,
 * target), so `terraform plan` names exactly the hosts that change; its local-exec provisioner runs
 * `cdktf-chrony apply` on the host's manifest, which is written next to the stack's JSON.
 */
export class PushResource extends Construct {
  public readonly resource: TerraformResource;
  public readonly manifestPath: string;

  constructor(scope: Construct, id: string, props: PushResourceProps) {
    super(scope, id);
    const { host } = props;
    this.manifestPath = `${MANIFEST_FOLDER}/${host.hostName}.json`;
    const triggers = Lazy.anyValue({ produce: () => resolveHost(host).triggers }) as unknown as Record<string, string>;
    const provisioners = [
      {
        type: "local-exec" as const,
        // Terraform appends `command` to `interpreter`: no shell, so nothing to quote or inject.
        interpreter: [...props.applyCommand.map(literal), "apply"],
        command: this.manifestPath,
      },
    ];
    if (props.type === PushResourceType.NULL_RESOURCE) {
      // Loaded only when asked for: CDK Terrain users need not install the cdktf provider package.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const nullProvider = require("@cdktf/provider-null") as typeof import("@cdktf/provider-null");
      const stack = TerraformStack.of(this);
      const hasProvider = stack.node.findAll().some((c) => (c as { terraformResourceType?: string }).terraformResourceType === "null");
      if (!hasProvider && !stack.node.tryFindChild("NullProvider")) new nullProvider.provider.NullProvider(stack, "NullProvider");
      this.resource = new nullProvider.resource.Resource(this, "Resource", { triggers, provisioners });
    } else {
      this.resource = new TerraformData(this, "Resource", { triggersReplace: triggers, provisioners });
    }
    onSynthesize(this, (session) => {
      const stackDir = path.join(session.outdir, session.manifest.forStack(TerraformStack.of(this)).workingDirectory);
      const dir = path.join(stackDir, MANIFEST_FOLDER);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${host.hostName}.json`), `${JSON.stringify(resolveHost(host).manifest, null, 2)}\n`);
    });
  }
}
