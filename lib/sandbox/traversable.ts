import { promises as fs } from "node:fs";
import * as path from "node:path";
import { UserError } from "../errors";
import type { SystemUser } from "./system-user";

/** Can `user` search (pass through) a folder with this owner and mode? */
export function canTraverse(user: SystemUser, uid: number, gid: number, mode: number): boolean {
  if (uid === user.uid) return (mode & 0o100) !== 0;
  if (user.groups.includes(gid)) return (mode & 0o010) !== 0;
  return (mode & 0o001) !== 0;
}

/**
 * chronyd opens its socket, pid, drift and keys files after dropping root, so every folder from `/`
 * down to `dir` must let its user through. Throws a `UserError` naming the first folder that does not.
 */
export async function checkTraversable(dir: string, user: SystemUser): Promise<void> {
  const chain: string[] = [];
  for (let p = path.resolve(dir); ; p = path.dirname(p)) {
    chain.unshift(p);
    if (p === path.dirname(p)) break;
  }
  for (const folder of chain) {
    const st = await fs.stat(folder);
    if (!canTraverse(user, st.uid, st.gid, st.mode)) {
      throw new UserError(
        `folder ${folder} (mode ${(st.mode & 0o7777).toString(8).padStart(4, "0")}) cannot be entered by '${user.name}', the user chronyd runs as: run 'chmod o+x ${folder}' or put the sandbox elsewhere with --dir`,
      );
    }
  }
}
