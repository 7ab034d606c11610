import { createHash } from "node:crypto";

/** Hex SHA-256 of a text, as `sha256sum` prints it for the same bytes (UTF-8). */
export function sha256Hex(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}
