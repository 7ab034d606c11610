import { runAsProcess } from "./main";

/**
 * `require("cdktf-chrony/cli")` runs the CLI with this process's arguments. Each push resource's
 * provisioner runs `node -e 'require("cdktf-chrony/cli")' apply --host ID chrony-hosts.jsonl` in
 * its stack's folder, so node finds the package in the project's node_modules when the apply runs
 * and the synth output names no path of the machine that ran synth. Under `node -e`, argv holds no
 * script path.
 */
runAsProcess(process.argv.slice(process.argv[1] === __filename ? 2 : 1));
