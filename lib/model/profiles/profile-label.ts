import { isDeepStrictEqual } from "node:util";
import { HostProfile } from "./host-profile";
import { debianProfile, rhelProfile, sandboxProfile } from "./presets";
import { ChronyVersion } from "../version";

/** The preset a profile named like it should equal, rebuilt from what the profile says about itself. */
function presetNamed(profile: HostProfile, version: ChronyVersion): HostProfile | undefined {
  // Thousands of hosts share a few presets: build each once per version.
  const key = profile.name === "sandbox" ? undefined : `${profile.name}\0${version.text}`;
  const known = key !== undefined ? PRESETS.get(key) : undefined;
  if (known) return known;
  const preset = buildPreset(profile, version);
  if (key !== undefined && preset) PRESETS.set(key, preset);
  return preset;
}

const PRESETS = new Map<string, HostProfile>();

function buildPreset(profile: HostProfile, version: ChronyVersion): HostProfile | undefined {
  switch (profile.name) {
    case "debian":
      return debianProfile({ chronyVersion: version.text });
    case "rhel":
      return rhelProfile({ chronyVersion: version.text });
    case "sandbox": {
      const suffix = "/etc/chrony/chrony.conf";
      const address = profile.baseDirectives.find((d) => d.name === "bindaddress")?.args[0];
      if (!profile.confPath.endsWith(suffix) || address === undefined) return undefined;
      return sandboxProfile({ root: profile.confPath.slice(0, -suffix.length), address, ntpPort: profile.ntpPort, cmdPort: profile.cmdPort });
    }
    default:
      return undefined;
  }
}

/**
 * What chrony.conf's header says the profile is. A copy of a preset that changes anything
 * (`{ ...HostProfiles.debian(), keysGroup: "ntp" }`) keeps the preset's name, so the header says
 * what was changed instead of claiming to be the preset: "debian, with keysGroup changed".
 */
export function profileLabel(profile: HostProfile, version: ChronyVersion): string {
  // Profiles are read-only and hosts share them: compare each one with its preset once.
  const known = LABELS.get(profile)?.get(version.text);
  if (known !== undefined) return known;
  const label = labelOf(profile, version);
  const byVersion = LABELS.get(profile) ?? new Map<string, string>();
  byVersion.set(version.text, label);
  LABELS.set(profile, byVersion);
  return label;
}

const LABELS = new WeakMap<HostProfile, Map<string, string>>();

function labelOf(profile: HostProfile, version: ChronyVersion): string {
  const preset = presetNamed(profile, version);
  if (!preset) return ["debian", "rhel", "sandbox"].includes(profile.name) ? `${profile.name}, modified` : profile.name;
  const changed = (Object.keys(preset) as Array<keyof HostProfile>).filter((k) => !isDeepStrictEqual(profile[k], preset[k]));
  return changed.length === 0 ? profile.name : `${profile.name}, with ${changed.join(", ")} changed`;
}
