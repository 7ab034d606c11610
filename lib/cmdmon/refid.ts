/** A reference ID as chronyc prints it: 8 uppercase hex digits. */
export function refIdToHex(refId: number): string {
  return (refId >>> 0).toString(16).toUpperCase().padStart(8, "0");
}

/** The printable ASCII bytes of a reference ID, as chronyc shows a refclock ("GPS", "SHM0"). */
export function refIdToText(refId: number): string {
  let text = "";
  for (let shift = 24; shift >= 0; shift -= 8) {
    const c = (refId >>> shift) & 0xff;
    if (c >= 0x20 && c <= 0x7e) text += String.fromCharCode(c);
  }
  return text;
}
