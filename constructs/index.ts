// The package's public surface: the constructs, and every type that appears in their signatures.
export { ChronyHost } from "./chrony-host";
export type {
  ChronyHostProps,
  HostPoolProps,
  HostServerProps,
  PoolSourceOptions,
  SourceOptions,
  SourceTarget,
  SshJumpHost,
  SshTarget,
  VerifyProps,
} from "./chrony-host";
export { NtpKey } from "./ntp-key";
export type { NtpKeyProps } from "./ntp-key";
export { KeyRotation, RotationPhase } from "./key-rotation";
export type { KeyRotationProps } from "./key-rotation";
export { KeySource } from "./key-source";
export { NtsCertificateAuthority } from "./nts-certificate-authority";
export type { NtsCertificateAuthorityProps } from "./nts-certificate-authority";
export { NtsCertificate } from "./nts-certificate";
export type { NtsCertificateProps } from "./nts-certificate";
export { CertificateSource } from "./certificate-source";
export { HostKeyPolicy } from "./host-key-policy";
export { Firewall } from "./firewall";
export type { NftablesFirewallProps } from "./firewall";
export { HostProfiles } from "./host-profiles";
export { Rollout, RolloutWave } from "./rollout";
export type { RolloutProps } from "./rollout";
export { HealthGate } from "./health-gate";
export type { HealthGateProps, HealthGateTarget } from "./health-gate";
export { PushResource, PushResourceType } from "./push-resource";
export type { PushResourceProps } from "./push-resource";
export { TerraformData } from "./terraform-data";
export type { TerraformDataConfig } from "./terraform-data";
export type { HostProfile, ServiceCommands } from "../lib/model/profiles/host-profile";
export type { PresetOptions, SandboxHostLayout } from "../lib/model/profiles/presets";
export type { ChronyConfigProps, SourcesPlacement } from "../lib/model/chrony-config";
export type { AccessProps, AccessRule, AccessDirective } from "../lib/model/areas/access";
export type { BindingProps, Broadcast, RateLimit } from "../lib/model/areas/binding";
export type {
  ClockProps,
  DriftFile,
  FallbackDrift,
  InitStepSlew,
  LocalReference,
  MakeStep,
  MaxChange,
  SmoothTime,
  TemperatureCompensation,
} from "../lib/model/areas/clock";
export type { SelectionProps } from "../lib/model/areas/selection";
export type { RefclockProps, Refclock, HardwareTimestamping } from "../lib/model/areas/refclocks";
export type { NtsProps, NtsServerKeyPair, NtsTrustedCerts } from "../lib/model/areas/nts";
export type { LoggingProps, LogName, MailOnChange } from "../lib/model/areas/logging";
export type { SystemProps, DirectoryLine } from "../lib/model/areas/system";
export type { NtpSourceOptions, PoolOptions, SourceKind } from "../lib/model/areas/sources";
export type { Directive } from "../lib/model/directive";
export type { NtpKeyTypeName } from "../lib/keys/key-type";
export type { KeySourceSpec } from "../lib/keys/key-source";
export type { CertificateSourceSpec } from "../lib/keys/nts/certificate-source";
export type { HostKeyPolicySpec, ReloadPolicy, SshHopSpec, SshTargetSpec } from "../lib/manifest";
export type { VerifyDeclaration } from "../lib/fleet";
