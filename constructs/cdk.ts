/**
 * The only module that imports cdktf. CDK Terrain (`cdktn`) has the same API: to switch, change
 * "cdktf" below, or alias the package in your app (`"cdktf": "npm:cdktn@^0.24.0"`).
 * Only root exports are used, so the fork's internal layout does not matter.
 */
export { Annotations, Aspects, Lazy, TerraformResource, TerraformStack } from "cdktf";
export type { IAspect, TerraformResourceConfig } from "cdktf";
export { Construct } from "constructs";
export type { IConstruct } from "constructs";

/**
 * cdktf calls `onSynthesize(session)` on constructs registered under this well-known symbol (the
 * mechanism TerraformAsset uses), after the stack's aspects and before its JSON is written. It is a
 * `Symbol.for` key, shared by cdktf, cdktn and duplicate installs.
 */
const CUSTOM_SYNTHESIS = Symbol.for("cdktf/customSynthesis");

export interface SynthesisSession {
  readonly outdir: string;
  readonly manifest: { forStack(stack: unknown): { readonly workingDirectory: string } };
}

export function onSynthesize(construct: object, handler: (session: SynthesisSession) => void): void {
  Object.defineProperty(construct, CUSTOM_SYNTHESIS, { value: { onSynthesize: handler }, enumerable: false });
}
