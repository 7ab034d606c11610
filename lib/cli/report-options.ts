import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../errors";

/** How a report command prints its result: a text table, Markdown for CI pages, or JSON. */
export type ReportFormat = "text" | "markdown" | "json";
const FORMATS: readonly ReportFormat[] = ["text", "markdown", "json"];

/** `--format F` and the older `--json` (the same as `--format json`); asking for two is a mistake. */
export function reportFormat(options: { readonly json: boolean; readonly format: string | undefined }): ReportFormat {
  const format = options.format;
  if (format !== undefined && !FORMATS.includes(format as ReportFormat)) {
    throw new UserError(`invalid --format '${format}': use ${FORMATS.join(", ")}`);
  }
  if (options.json && format !== undefined && format !== "json") throw new UserError(`--json and --format ${format} ask for two formats: keep one`);
  return options.json ? "json" : ((format as ReportFormat | undefined) ?? "text");
}

function cannotWrite(option: string, file: string, err: unknown): UserError {
  const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new UserError(`cannot write ${option} ${file} (${why}): give a file path in a folder you can write`);
}

/** Before the hosts are checked: the report's folder exists (made if need be) and can be written. */
export function checkReportFile(option: string, file: string): void {
  const dir = path.dirname(path.resolve(file));
  try {
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw Object.assign(new Error(), { code: "ENOTDIR" });
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw Object.assign(new Error(), { code: "EISDIR" });
  } catch (err) {
    throw cannotWrite(option, file, err);
  }
}

/** Writes a report file a CI job publishes (`--junit FILE`); one line when it cannot. */
export function writeReportFile(option: string, file: string, content: string): void {
  try {
    fs.writeFileSync(file, content);
  } catch (err) {
    throw cannotWrite(option, file, err);
  }
}
