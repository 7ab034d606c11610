import { Directive, directive } from "../directive";

/**
 * One access rule, in the order given. `subnet` takes chrony's forms: "10.0.0.0/8", "10/8",
 * "192.168.1.5", "2001:db8::/32", a hostname; omit it to mean every address.
 */
export interface AccessRule {
  readonly directive: "allow" | "deny" | "cmdallow" | "cmddeny";
  /** @default - all addresses */
  readonly subnet?: string;
  /** `all`: the rule also overrides earlier rules for subnets nested inside it. @default false */
  readonly all?: boolean;
}

export interface AccessProps {
  /** Clients allowed to use this host as an NTP server (chrony's `allow`). @default - serve nobody */
  readonly allow?: readonly string[];
  /** Clients refused NTP service (`deny`). @default - none */
  readonly deny?: readonly string[];
  /** Addresses allowed to monitor chronyd over UDP (`cmdallow`); takes effect only with a non-loopback bindcmdaddress. @default - loopback only */
  readonly cmdAllow?: readonly string[];
  /** @default - none */
  readonly cmdDeny?: readonly string[];
  /** Rules written after the lists above, in this order, for precise control. @default - none */
  readonly accessRules?: readonly AccessRule[];
}

function rule(d: AccessRule): Directive {
  const args: string[] = [];
  if (d.all) args.push("all");
  if (d.subnet !== undefined) args.push(d.subnet);
  return directive(d.directive, ...args);
}

export function accessDirectives(props: AccessProps): Directive[] {
  const rules: AccessRule[] = [
    ...(props.allow ?? []).map((subnet) => ({ directive: "allow" as const, subnet })),
    ...(props.deny ?? []).map((subnet) => ({ directive: "deny" as const, subnet })),
    ...(props.cmdAllow ?? []).map((subnet) => ({ directive: "cmdallow" as const, subnet })),
    ...(props.cmdDeny ?? []).map((subnet) => ({ directive: "cmddeny" as const, subnet })),
    ...(props.accessRules ?? []),
  ];
  return rules.map(rule);
}
