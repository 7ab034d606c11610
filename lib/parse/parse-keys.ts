import { isCommentLine } from "../model/directive";

/** One line of chrony.keys as written (the material stays in chrony's notation). */
export interface KeyFileEntry {
  readonly id: number;
  /** As written; chrony defaults a missing type to MD5. */
  readonly type?: string;
  readonly material: string;
  readonly lineNumber: number;
}

export interface KeyFileProblem {
  readonly lineNumber: number;
  /** What chronyd would log; never quotes the material. */
  readonly message: string;
}

export interface ParsedKeyFile {
  readonly entries: readonly KeyFileEntry[];
  readonly problems: readonly KeyFileProblem[];
}

/** Reads chrony.keys: `ID [TYPE] KEY` lines, comments starting with ! ; # %. */
export function parseKeyFile(text: string): ParsedKeyFile {
  const entries: KeyFileEntry[] = [];
  const problems: KeyFileProblem[] = [];
  const seen = new Set<number>();
  text.split(/\r?\n/).forEach((line, i) => {
    const lineNumber = i + 1;
    if (line.trim() === "" || isCommentLine(line)) return;
    const words = line.trim().split(/\s+/);
    if (words.length < 2 || words.length > 3 || !/^\d+$/.test(words[0]) || Number(words[0]) > 2 ** 32 - 1) {
      problems.push({ lineNumber, message: `could not parse key at line ${lineNumber}: expected 'ID [TYPE] KEY'` });
      return;
    }
    const id = Number(words[0]);
    if (seen.has(id)) problems.push({ lineNumber, message: `duplicate key ${id} at line ${lineNumber}` });
    seen.add(id);
    entries.push(words.length === 3 ? { id, type: words[1], material: words[2], lineNumber } : { id, material: words[1], lineNumber });
  });
  return { entries, problems };
}
