import * as fs from "node:fs";
import * as path from "node:path";
import { BUNDLE_FILE, writeBundle } from "../lib/manifest";
import { Aspects, Construct, IConstruct, TerraformStack, onSynthesize } from "./cdk";
import { FleetRegistry } from "./fleet-registry";

const ID = "ChronyHostManifests";

/**
 * The one synth-time hook of a stack with ChronyHosts. Before the stack's JSON is produced (as an
 * aspect, so `Testing.synth` runs it too) it hands the compiled fleet to the stack's hosts; at synth
 * it writes the stack's manifests into one file beside cdk.tf.json (`chrony-hosts.jsonl`), where
 * each push resource's provisioner finds its host's line.
 */
export class StackManifests extends Construct {
  /** The stack's hook, created with its first ChronyHost. */
  public static of(scope: IConstruct): StackManifests {
    const stack = TerraformStack.of(scope);
    return (stack.node.tryFindChild(ID) as StackManifests | undefined) ?? new StackManifests(stack, ID);
  }

  private constructor(stack: TerraformStack, id: string) {
    super(stack, id);
    const registry = FleetRegistry.of(stack);
    Aspects.of(stack).add({
      visit: (node: IConstruct) => {
        if (node === stack) registry.handToStack(stack);
      },
    });
    onSynthesize(this, (session) => {
      const hosts = registry.handToStack(stack);
      const dir = path.join(session.outdir, session.manifest.forStack(stack).workingDirectory);
      fs.mkdirSync(dir, { recursive: true });
      writeBundle(path.join(dir, BUNDLE_FILE), hosts, registry.profilesByKey);
    });
  }
}
