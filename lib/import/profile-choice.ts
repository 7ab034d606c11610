import { HostProfile } from "../model/profiles/host-profile";
import { debianProfile, rhelProfile, sandboxProfile } from "../model/profiles/presets";
import { HostLayout } from "./host-snapshot";

/** Fields of a preset that an imported host changes (the sources file it takes over). */
export type ProfileOverrides = Partial<Pick<HostProfile, "sourceDir" | "sourcesFileName">>;

/**
 * The profile an imported host gets: its layout's preset, with the stock lines the host kept
 * (`stockLines: true`), or without any (`stockLines: false`, when the host's chrony.conf is far from
 * the distribution's and every line is better written as a prop).
 */
export interface ProfileChoice {
  readonly layout: HostLayout;
  readonly stockLines: boolean;
  readonly overrides: ProfileOverrides;
}

/** The profile object the generated code builds for a choice. */
export function buildProfile(choice: ProfileChoice, chronyVersion: string): HostProfile {
  const preset = presetOf(choice.layout, chronyVersion);
  return {
    ...preset,
    ...(choice.stockLines ? {} : { name: "imported", baseDirectives: [] }),
    ...choice.overrides,
  };
}

export function presetOf(layout: HostLayout, chronyVersion: string): HostProfile {
  switch (layout.kind) {
    case "debian":
      return debianProfile({ chronyVersion });
    case "rhel":
      return rhelProfile({ chronyVersion });
    case "sandbox":
      return sandboxProfile(layout.layout);
  }
}
