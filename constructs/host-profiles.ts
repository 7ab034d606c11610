import { HostProfile } from "../lib/model/profiles/host-profile";
import { SandboxHostLayout, debianProfile, rhelProfile, sandboxProfile } from "../lib/model/profiles/presets";

/** Presets of HostProfile. A custom profile is a plain object: `{ ...HostProfiles.debian(), keysGroup: "ntp" }`. */
export class HostProfiles {
  /** Debian and Ubuntu. */
  public static debian(): HostProfile {
    return debianProfile();
  }

  /** RHEL, Fedora and their rebuilds. */
  public static rhel(): HostProfile {
    return rhelProfile();
  }

  /** A host of `cdktf-chrony sandbox` (paths under its root folder, its own ports). */
  public static sandbox(layout: SandboxHostLayout): HostProfile {
    return sandboxProfile(layout);
  }
}
