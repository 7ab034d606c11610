import type { HostDeclaration } from "../../../lib/fleet";
import { buildChronyConfig } from "../../../lib/model/chrony-config";
import { debianProfile } from "../../../lib/model/profiles/presets";

/** Host n of a test fleet (app/hN at 10.0.0.N, Debian profile, no sources or keys), as the fleet compiler's tests declare it. */
export function hostDeclaration(n: number, extra: Partial<HostDeclaration> = {}): HostDeclaration {
  return {
    ref: `app/h${n}`,
    id: `h${n}`,
    stack: "fleet",
    target: {
      address: `10.0.0.${n}`,
      port: 22,
      user: "root",
      hostKey: { kind: "knownHosts", path: "~/.ssh/known_hosts", trustOnFirstUse: false },
      sudo: false,
    },
    profile: debianProfile(),
    ntpAddress: `10.0.0.${n}`,
    config: buildChronyConfig({}),
    sources: [],
    keys: [],
    reloadPolicy: "least-disruptive",
    verify: {},
    ...extra,
  };
}
