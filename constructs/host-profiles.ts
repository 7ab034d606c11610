import { HostProfile } from "../lib/model/profiles/host-profile";
import { PresetOptions, SandboxHostLayout, debianProfile, rhelProfile, sandboxProfile } from "../lib/model/profiles/presets";

/** Presets of HostProfile. A custom profile is a plain object: `{ ...HostProfiles.debian(), keysGroup: "ntp" }`. */
export class HostProfiles {
  /** Debian and Ubuntu. */
  public static debian(options: PresetOptions = {}): HostProfile {
    return debianProfile(options);
  }

  /** RHEL, Fedora and their rebuilds. */
  public static rhel(options: PresetOptions = {}): HostProfile {
    return rhelProfile(options);
  }

  /** A host of `cdktf-chrony sandbox` (paths under its root folder, its own ports). */
  public static sandbox(layout: SandboxHostLayout): HostProfile {
    return sandboxProfile(layout);
  }
}
