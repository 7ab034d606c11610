import { promises as fs } from "node:fs";
import { UserError } from "../errors";

/** The user chronyd drops root for, with the groups that decide what it may read. */
export interface SystemUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** Primary and supplementary groups. */
  readonly groups: readonly number[];
}

// Debian's chronyd is built to drop root for `_chrony` when started without `-u`.
export const CHRONY_USER = "_chrony";

export async function lookupSystemUser(name: string): Promise<SystemUser> {
  const passwd = await fs.readFile("/etc/passwd", "utf8").catch(() => "");
  const entry = passwd
    .split("\n")
    .map((l) => l.split(":"))
    .find((f) => f[0] === name);
  if (!entry || entry.length < 4) {
    throw new UserError(`user '${name}' does not exist: install Debian's chrony package (apt-get install chrony), which creates it`);
  }
  const uid = Number(entry[2]);
  const gid = Number(entry[3]);
  const group = await fs.readFile("/etc/group", "utf8").catch(() => "");
  const supplementary = group
    .split("\n")
    .map((l) => l.split(":"))
    .filter((f) => f.length >= 4 && f[3].split(",").includes(name))
    .map((f) => Number(f[2]));
  return { name, uid, gid, groups: [...new Set([gid, ...supplementary])] };
}
