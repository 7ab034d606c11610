import { Construct, TerraformResource, TerraformResourceConfig } from "./cdk";

export interface TerraformDataConfig extends Omit<TerraformResourceConfig, "terraformResourceType"> {
  /**
   * Any change replaces the resource, which re-runs its create-time provisioners. A function is
   * called at synth, after the whole app is built (cheaper than a cdktf Lazy token per resource).
   */
  readonly triggersReplace?: Record<string, string> | (() => Record<string, string>);
  /** Stored in state and echoed as `output`; changes do not replace the resource. */
  readonly input?: Record<string, string>;
  /**
   * Resources of the same stack this one waits for, besides `dependsOn`, asked for at synth (when
   * the fleet is compiled) and written as plain `depends_on` addresses.
   * @default - none
   */
  readonly dependsOnAtSynth?: () => readonly TerraformResource[];
}

/**
 * Terraform's built-in `terraform_data` (Terraform ≥ 1.4, OpenTofu): no provider to download.
 * cdktf's own DataResource runs `terraform version` for every instance at synth; this does not.
 */
export class TerraformData extends TerraformResource {
  public static readonly tfResourceType = "terraform_data";
  private readonly triggersReplace?: TerraformDataConfig["triggersReplace"];
  private readonly input?: Record<string, string>;
  private readonly dependsOnAtSynth?: () => readonly TerraformResource[];

  constructor(scope: Construct, id: string, config: TerraformDataConfig = {}) {
    super(scope, id, { ...config, terraformResourceType: TerraformData.tfResourceType });
    this.triggersReplace = config.triggersReplace;
    this.input = config.input;
    this.dependsOnAtSynth = config.dependsOnAtSynth;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    const triggers = typeof this.triggersReplace === "function" ? this.triggersReplace() : this.triggersReplace;
    return { triggers_replace: triggers, input: this.input };
  }

  public override get terraformMetaArguments(): { [name: string]: unknown } {
    const meta = super.terraformMetaArguments;
    const more = this.dependsOnAtSynth?.() ?? [];
    if (more.length === 0) return meta;
    const given = (meta.dependsOn as string[] | undefined) ?? [];
    return { ...meta, dependsOn: [...given, ...more.map((r) => `${r.terraformResourceType}.${r.friendlyUniqueId}`)] };
  }
}
