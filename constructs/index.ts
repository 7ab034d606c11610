export { ChronyHost } from "./chrony-host";
export type {
  ChronyHostProps,
  HostPoolProps,
  HostServerProps,
  PoolSourceOptions,
  SourceOptions,
  SourceTarget,
  SshTarget,
  VerifyProps,
} from "./chrony-host";
export { NtpKey } from "./ntp-key";
export type { NtpKeyProps } from "./ntp-key";
export { KeyRotation, RotationPhase } from "./key-rotation";
export type { KeyRotationProps } from "./key-rotation";
export { KeySource } from "./key-source";
export { HostKeyPolicy } from "./host-key-policy";
export { HostProfiles } from "./host-profiles";
export { PushResource, PushResourceType } from "./push-resource";
export { TerraformData } from "./terraform-data";
export type { HostProfile } from "../lib/model/profiles/host-profile";
export type { AccessRule } from "../lib/model/areas/access";
export type { MakeStep, LocalReference, Refclock, HardwareTimestamping } from "../lib/model/areas/clock";
export type { NtsServerKeyPair, NtsTrustedCerts } from "../lib/model/areas/nts";
export type { LogName } from "../lib/model/areas/logging";
export type { NtpKeyTypeName } from "../lib/keys/key-type";
