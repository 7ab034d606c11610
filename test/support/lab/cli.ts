/**
 * The lab by hand (root only):
 *   node dist/test/support/lab/cli.js up [PREFIX]    five hosts behind a bastion; prints the lab folder
 *   node dist/test/support/lab/cli.js down [PREFIX]  removes every namespace PREFIX-* and its processes
 * Commands then run as the controller with
 *   ip netns exec PREFIX-ctl ...   (or lab.run() from code, which also binds its /etc/ssh and HOME)
 */
import { labDown, startLab } from "./lab";
import { LAB_FLEET } from "./fleet";

async function main(): Promise<void> {
  const [command, prefix = "cclab"] = process.argv.slice(2);
  if (command === "up") {
    const lab = await startLab({ prefix, hosts: LAB_FLEET, log: (l) => process.stderr.write(`${l}\n`) });
    process.stdout.write(`${lab.dir}\n`);
  } else if (command === "down") {
    const r = await labDown(prefix);
    process.stdout.write(`lab ${prefix}: stopped ${r.processes} process(es), removed ${r.namespaces.length} namespace(s)\n`);
  } else {
    process.stderr.write("usage: lab up|down [PREFIX]\n");
    process.exitCode = 2;
  }
}

main().catch((err: Error) => {
  process.stderr.write(`lab: ${err.message}\n`);
  process.exitCode = 1;
});
