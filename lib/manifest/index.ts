// The host manifest: the contract between synth (the fleet compiler) and the deploy side.
export * from "./schema";
export { parseBundledManifest, parseManifest, readManifest, type SharedProfiles } from "./read";
export { BUNDLE_FILE, BUNDLE_SCHEMA, bundleLine, profileKey, readBundle, readBundleHost, writeBundle, type BundleEntry } from "./bundle";
