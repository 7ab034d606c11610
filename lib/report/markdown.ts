/**
 * Markdown for CI pages (GitHub's job summary, a PR or MR comment). Text that hosts control (file
 * names, chronyd's messages) is escaped, so it can neither break a table nor become markup or HTML.
 */

/** Plain text: every character Markdown or HTML could read as syntax is backslash-escaped; lines joined. */
export function mdText(text: string): string {
  return text
    .replace(/\r?\n/g, " ")
    .replace(/[\\`*_[\]<>|&#~!]/g, "\\$&")
    .trim();
}

/** Code (a config line, a path): in a code span, where nothing but `|` is syntax inside a table cell. */
export function mdCode(text: string): string {
  const flat = text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
  // A span fenced with more backticks than any run inside it, padded when it starts or ends with one.
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A table; cells are Markdown already (escape them with mdText or mdCode). Cells may hold `<br>`. */
export function mdTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n") + "\n";
}

/** "1 host", "3 hosts". */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
