import { isIP } from "node:net";
import { Directive } from "./directive";
import { DIRECTIVES } from "./directive-grammar";

/**
 * What a line sets, as chronyd reads it: the key under which a later line replaces an earlier one.
 * Lines of a directive chronyd reads once share the directive's slot (or a slot shared with another
 * directive: rtcsync and rtcfile exclude each other, ntscachedir is ntsdumpdir); bindaddress,
 * bindacqaddress and bindcmdaddress have one slot per address family; every other line adds
 * something and has no slot (undefined).
 */
export function slotOf(d: Directive): string | undefined {
  const spec = DIRECTIVES.get(d.name.toLowerCase());
  if (!spec || spec.repeat === "many") return undefined;
  const base = slotName(d.name);
  return spec.repeat === "perFamily" ? `${base}/${addressFamily(d.args[0] ?? "")}` : base;
}

/** The shared slot of a directive name, or the name itself (lower case). */
export function slotName(name: string): string {
  const lower = name.toLowerCase();
  return DIRECTIVES.get(lower)?.slot ?? lower;
}

export function addressFamily(address: string): "unix" | "ipv6" | "ipv4" {
  return address.startsWith("/") ? "unix" : isIP(address) === 6 ? "ipv6" : "ipv4";
}
