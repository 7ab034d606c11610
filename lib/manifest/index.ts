// The host manifest: the contract between synth (the fleet compiler) and the deploy side.
export * from "./schema";
export { parseManifest, readManifest } from "./read";
export { BUNDLE_FILE, bundleLine, bundleText, readBundle, readBundleHost } from "./bundle";
