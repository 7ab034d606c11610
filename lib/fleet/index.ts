// The fleet compiler: plain host declarations in, every host's manifest, triggers and warnings out.
export * from "./declaration";
export { compileFleet, compileFleetEach, type CompiledFleet, type CompiledHost, type CompileOptions, type KeyFingerprints } from "./compile";
