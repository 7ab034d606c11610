import type { LabHostSpec } from "./layout";

/** The hosts of examples/fleet in the lab: one server and one client with RHEL's layout, the rest Debian's. */
export const LAB_FLEET: readonly LabHostSpec[] = [
  { id: "server-a", layout: "debian" },
  { id: "server-b", layout: "rhel" },
  { id: "client-1", layout: "debian" },
  { id: "client-2", layout: "debian" },
  { id: "client-3", layout: "rhel" },
];
