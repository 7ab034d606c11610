export { sandboxUp, DEFAULT_HOST_COUNT, type SandboxUpOptions, type SandboxUpResult, type HostUpReport } from "./up";
export { sandboxStatus, type SandboxStatusOptions, type SandboxStatusResult, type SandboxHostStatus, type DaemonStatus } from "./status";
export { sandboxDown, type SandboxDownOptions, type SandboxDownResult, type HostDownReport } from "./down";
export type { StopOutcome } from "./proc";
export type { TrackingSummary } from "./chronyd";
export {
  hostPaths,
  controllerPaths,
  planHosts,
  MAX_HOSTS,
  DEFAULT_FIRST_ADDRESS,
  type SandboxHost,
  type SandboxController,
  type SandboxManifest,
  type HostPaths,
  type ControllerPaths,
} from "./layout";
export { profileDirectives } from "./chrony-conf";
