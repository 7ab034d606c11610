import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockingChains, handOffRule, renderNftables } from "../../../lib/firewall/nftables";
import { servedOpenings } from "../../../lib/firewall/openings";
import { parseDirectiveLine } from "../../../lib/model/directive";

// Packets, not listings: a host (network namespace ccfwi-host, 198.18.9.2) whose firewall is ufw
// with its default deny of incoming traffic, cdktf-chrony's table loaded beside it, and a client
// (ccfwi-cli, 198.18.9.1) sending a datagram to the command port. The table alone does not open the
// port (nftables: ufw's chain still drops); with the hand-off line in ufw's before.rules it does,
// and blockingChains says so both times. Everything lives in the two namespaces, removed by name.

const HOST_NS = "ccfwi-host";
const CLIENT_NS = "ccfwi-cli";
const PORT = 4323;
const spec = { table: "cdktf_chrony", mark: 0x10000000 };

let dir: string;
let echo: ChildProcess | undefined;

const sh = (ns: string, script: string, input?: string) =>
  spawnSync("ip", ["netns", "exec", ns, "sh", "-c", script], { encoding: "utf8", input, timeout: 30_000 });
/** ufw, in the host namespace, with its configuration from the test's copy of /etc/ufw. */
const ufw = (args: string) => sh(HOST_NS, `unshare --mount --propagation private sh -c 'mount --bind ${dir}/ufw /etc/ufw && ufw ${args}'`);

function query(): boolean {
  const client = `const s=require("dgram").createSocket("udp4");s.on("message",()=>{console.log("reply");process.exit(0)});s.send("ping",${PORT},"198.18.9.2");setTimeout(()=>{console.log("none");process.exit(0)},1000);`;
  return spawnSync("ip", ["netns", "exec", CLIENT_NS, process.execPath, "-e", client], { encoding: "utf8" }).stdout.trim() === "reply";
}

function removeNamespaces(): void {
  for (const ns of [HOST_NS, CLIENT_NS]) spawnSync("ip", ["netns", "del", ns]);
}

beforeAll(async () => {
  expect(spawnSync("ufw", ["version"]).status, "ufw is installed (apt-get install ufw; .ci/run does it)").toBe(0);
  removeNamespaces();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ccfwi-"));
  fs.cpSync("/etc/ufw", path.join(dir, "ufw"), { recursive: true });
  for (const ns of [HOST_NS, CLIENT_NS]) expect(spawnSync("ip", ["netns", "add", ns]).status).toBe(0);
  for (const cmd of [
    ["link", "add", "eth0", "netns", HOST_NS, "type", "veth", "peer", "name", "eth0", "netns", CLIENT_NS],
    ["-n", HOST_NS, "addr", "add", "198.18.9.2/24", "dev", "eth0"],
    ["-n", CLIENT_NS, "addr", "add", "198.18.9.1/24", "dev", "eth0"],
    ...[HOST_NS, CLIENT_NS].flatMap((ns) => [
      ["-n", ns, "link", "set", "eth0", "up"],
      ["-n", ns, "link", "set", "lo", "up"],
    ]),
  ]) {
    expect(spawnSync("ip", cmd).status, cmd.join(" ")).toBe(0);
  }
  // The "chronyd": an echo on the command port.
  const server = `const s=require("dgram").createSocket("udp4");s.on("message",(m,r)=>s.send(m,r.port,r.address));s.bind(${PORT},"0.0.0.0",()=>console.log("ready"));`;
  echo = spawn("ip", ["netns", "exec", HOST_NS, process.execPath, "-e", server], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve) => echo!.stdout!.once("data", () => resolve()));
});

afterAll(() => {
  if (echo?.pid !== undefined) echo.kill("SIGKILL");
  removeNamespaces();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("a host whose ufw denies incoming traffic, and cdktf-chrony's table", () => {
  const table = renderNftables(
    servedOpenings(
      ["cmdport 4323", "bindcmdaddress 0.0.0.0", "cmdallow 198.18.9.0/24"].map((l) => parseDirectiveLine(l)!),
      [],
    ),
    spec,
  );

  it("answers with no firewall, and not once ufw denies incoming traffic", () => {
    expect(query()).toBe(true);
    const r = ufw("--force enable");
    expect(r.status, r.stderr).toBe(0);
    expect(query()).toBe(false);
  });

  it("stays closed with only the table loaded: ufw's chain drops what it accepts, as blockingChains finds", () => {
    const load = sh(HOST_NS, "nft -f -", table);
    expect(load.status, load.stderr).toBe(0);
    expect(query()).toBe(false);
    const ruleset = sh(HOST_NS, "nft -j list ruleset").stdout;
    expect(blockingChains(ruleset, spec, new Set([4])).map((c) => c.chain)).toEqual(["ip filter INPUT"]);
  });

  it("opens with the hand-off line in ufw's before.rules, and only for what the table accepts", () => {
    const rules = path.join(dir, "ufw", "before.rules");
    fs.writeFileSync(
      rules,
      fs
        .readFileSync(rules, "utf8")
        .replace("# End required lines\n", "# End required lines\n\n-A ufw-before-input -m mark --mark 0x10000000/0x10000000 -j ACCEPT\n"),
    );
    const r = ufw("reload");
    expect(r.status, r.stderr).toBe(0);
    expect(query()).toBe(true);
    expect(blockingChains(sh(HOST_NS, "nft -j list ruleset").stdout, spec, new Set([4]))).toEqual([]);
    // The table no longer accepts the port (cmdallow gone): ufw's deny applies again.
    expect(sh(HOST_NS, "nft -f -", renderNftables([], spec)).status).toBe(0);
    expect(query()).toBe(false);
    expect(handOffRule(spec.mark)).toBe("meta mark & 0x10000000 == 0x10000000 accept");
  });
});
