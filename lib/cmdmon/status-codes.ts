/** Status codes of a reply (candm.h STT_*), with the words chronyc uses for them. */
export const Status = {
  SUCCESS: 0,
  FAILED: 1,
  UNAUTH: 2,
  INVALID: 3,
  NOSUCHSOURCE: 4,
  INVALIDTS: 5,
  NOTENABLED: 6,
  BADSUBNET: 7,
  ACCESSALLOWED: 8,
  ACCESSDENIED: 9,
  NOHOSTACCESS: 10,
  SOURCEALREADYKNOWN: 11,
  TOOMANYSOURCES: 12,
  NORTC: 13,
  BADRTCFILE: 14,
  INACTIVE: 15,
  BADSAMPLE: 16,
  INVALIDAF: 17,
  BADPKTVERSION: 18,
  BADPKTLENGTH: 19,
  INVALIDNAME: 21,
} as const;

const DESCRIPTIONS = new Map<number, string>([
  [Status.FAILED, "FAILED (chronyd could not do it)"],
  [Status.UNAUTH, "UNAUTH (not authorised)"],
  [Status.INVALID, "INVALID (chronyd does not know this command)"],
  [Status.NOSUCHSOURCE, "NOSUCHSOURCE (no such source)"],
  [Status.INVALIDTS, "INVALIDTS (invalid timestamp)"],
  [Status.NOTENABLED, "NOTENABLED (facility not enabled)"],
  [Status.BADSUBNET, "BADSUBNET (bad subnet)"],
  [Status.NOHOSTACCESS, "NOHOSTACCESS (no command access from this host)"],
  [Status.SOURCEALREADYKNOWN, "SOURCEALREADYKNOWN (source already present)"],
  [Status.TOOMANYSOURCES, "TOOMANYSOURCES (too many sources present)"],
  [Status.NORTC, "NORTC (no RTC driver; rtcfile not set)"],
  [Status.BADRTCFILE, "BADRTCFILE (cannot write RTC file)"],
  [Status.INACTIVE, "INACTIVE (facility not active)"],
  [Status.BADSAMPLE, "BADSAMPLE (sample index out of range)"],
  [Status.INVALIDAF, "INVALIDAF (invalid address family)"],
  [Status.BADPKTVERSION, "BADPKTVERSION (protocol version mismatch)"],
  [Status.BADPKTLENGTH, "BADPKTLENGTH (request too short)"],
  [Status.INVALIDNAME, "INVALIDNAME (invalid name)"],
]);

/** 0 SUCCESS, 8 ACCESSALLOWED and 9 ACCESSDENIED all mean the command was carried out. */
export function isSuccessStatus(status: number): boolean {
  return status === Status.SUCCESS || status === Status.ACCESSALLOWED || status === Status.ACCESSDENIED;
}

export function describeStatus(status: number): string {
  return DESCRIPTIONS.get(status) ?? `unknown status ${status}`;
}
