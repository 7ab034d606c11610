import * as path from "node:path";
import { UserError } from "../errors";

/** The sandbox folder as an absolute path (what sandbox.json and the configs record). */
export function sandboxDirOf(dir: string): string {
  if (typeof dir !== "string" || dir.trim() === "") {
    throw new UserError("no sandbox folder given: pass --dir FOLDER");
  }
  return path.resolve(dir);
}
