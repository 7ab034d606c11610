import * as fs from "node:fs";
import * as path from "node:path";
import { BUNDLE_FILE, bundleText } from "../lib/deploy/manifest-bundle";
import { Construct, TerraformStack, onSynthesize } from "./cdk";
import { ChronyHost } from "./chrony-host";
import { fleetOf } from "./fleet";
import { resolveHost } from "./host-resolution";

const ID = "ChronyHostManifests";

/**
 * Writes the manifests of a stack's hosts into one file beside its cdk.tf.json at synth
 * (`chrony-hosts.jsonl`), where each push resource's provisioner finds its host's line.
 */
export class ManifestBundle extends Construct {
  /** The stack's bundle, created with the stack's first ChronyHost. */
  public static of(host: ChronyHost): ManifestBundle {
    const stack = TerraformStack.of(host);
    return (stack.node.tryFindChild(ID) as ManifestBundle | undefined) ?? new ManifestBundle(stack, ID);
  }

  private constructor(scope: TerraformStack, id: string) {
    super(scope, id);
    onSynthesize(this, (session) => {
      const stack = TerraformStack.of(this);
      const hosts = fleetOf(this).hosts.filter((h) => TerraformStack.of(h) === stack);
      const dir = path.join(session.outdir, session.manifest.forStack(stack).workingDirectory);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, BUNDLE_FILE), bundleText(hosts.map((h) => ({ id: h.hostName, line: resolveHost(h).manifestLine }))));
    });
  }
}
