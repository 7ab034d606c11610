import { HostProfile } from "../lib/model/profiles/host-profile";
import { PresetOptions, SandboxHostLayout, debianProfile, rhelProfile, sandboxProfile } from "../lib/model/profiles/presets";

// Presets are read-only (HostProfile's members are readonly): the same options give the same
// frozen object, so a fleet that calls HostProfiles.debian() for each of its hosts holds one
// profile, checked once.
const presets = new Map<string, HostProfile>();

function preset(kind: string, options: object, make: () => HostProfile): HostProfile {
  const key = `${kind}\0${JSON.stringify(options)}`;
  let profile = presets.get(key);
  if (!profile) {
    profile = deepFreeze(make());
    presets.set(key, profile);
  }
  return profile;
}

function deepFreeze<T>(x: T): T {
  if (typeof x === "object" && x !== null && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const value of Object.values(x)) deepFreeze(value);
  }
  return x;
}

/**
 * Presets of HostProfile. Each renders the distribution's own chrony.conf lines (without its vendor
 * pool, a source the app declares), and a host's props replace them line for line. A custom
 * profile is a plain object: `{ ...HostProfiles.debian(), keysGroup: "ntp" }`; chrony.conf's header
 * then says what it changed.
 */
export class HostProfiles {
  /** Debian and Ubuntu: /etc/chrony, the `chrony` unit, root:_chrony keys; Debian 12's chrony.conf lines (confdir first, the DHCP and sources.d sourcedirs). */
  public static debian(options: PresetOptions = {}): HostProfile {
    return preset("debian", options, () => debianProfile(options));
  }

  /** RHEL, Fedora and their rebuilds: /etc/chrony.conf, the `chronyd` unit, root:chrony keys; RHEL 9's chrony.conf lines (the DHCP sourcedir). */
  public static rhel(options: PresetOptions = {}): HostProfile {
    return preset("rhel", options, () => rhelProfile(options));
  }

  /** A host of `cdktf-chrony sandbox` (paths under its root folder, its own ports). */
  public static sandbox(layout: SandboxHostLayout): HostProfile {
    return sandboxProfile(layout);
  }
}
