/**
 * Something `import` tells about a line or a file: "error" when the generated app does not
 * reproduce it (a line chronyd itself would refuse, a key that cannot be declared), "warning" when
 * it reproduces it but the line deserves attention (obsolete, overridden), "info" for how a line
 * was carried over. Never quotes key material.
 */
export interface ImportReport {
  /** `file:line`, or a file, or undefined for the host as a whole. */
  readonly at?: string;
  readonly level: "error" | "warning" | "info";
  readonly message: string;
}

export function formatReport(host: string, r: ImportReport): string {
  return `${host}: ${r.at ? `${r.at}: ` : ""}${r.level}: ${r.message}`;
}
