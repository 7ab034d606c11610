import * as dgram from "node:dgram";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CmdmonClient } from "../../../lib/cmdmon";
import { bytes, header, u32, zeros } from "./reply-bytes";

// The transport's retry and routing rules need lost, late and stray datagrams, which a real chronyd
// on loopback never produces; this scripted UDP peer produces them. Everything chronyd really
// does is tested against a real chronyd in test/integration/cmdmon.

interface Received {
  readonly command: number;
  readonly attempt: number;
  readonly sequence: number;
  readonly length: number;
  readonly at: number;
}

class ScriptedPeer {
  readonly received: Received[] = [];
  private constructor(
    private readonly socket: dgram.Socket,
    private readonly onRequest: (r: Received, reply: (b: Buffer) => void, peer: ScriptedPeer) => void,
  ) {}

  static async start(onRequest: (r: Received, reply: (b: Buffer) => void, peer: ScriptedPeer) => void): Promise<ScriptedPeer> {
    const socket = dgram.createSocket("udp4");
    const peer = new ScriptedPeer(socket, onRequest);
    socket.on("message", (msg, rinfo) => {
      const r: Received = {
        command: msg.readUInt16BE(4),
        attempt: msg.readUInt16BE(6),
        sequence: msg.readUInt32BE(8),
        length: msg.length,
        at: performance.now(),
      };
      peer.received.push(r);
      peer.onRequest(r, (b) => socket.send(b, rinfo.port, rinfo.address), peer);
    });
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    return peer;
  }

  get port(): number {
    return (this.socket.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

const nSourcesReply = (sequence: number, count: number, command = 14): Buffer => bytes(header({ command, reply: 2, sequence }), u32(count));
const trackingReply = (sequence: number): Buffer => bytes(header({ command: 33, reply: 5, sequence }), zeros(76));

let peer: ScriptedPeer | undefined;
let client: CmdmonClient | undefined;
afterEach(async () => {
  await client?.close();
  await peer?.close();
  client = peer = undefined;
});

describe("CmdmonClient transport", () => {
  it("resends with a new random sequence, the attempt number, and a doubled wait, like chronyc", async () => {
    peer = await ScriptedPeer.start((r, reply, p) => {
      if (p.received.length === 3) reply(trackingReply(r.sequence));
    });
    client = new CmdmonClient({ host: "127.0.0.1", port: peer.port, timeoutMs: 150 });
    const tracking = await client.tracking();
    expect(tracking.refId).toBe("00000000");
    const [a, b, c] = peer.received;
    expect(peer.received.map((r) => [r.command, r.attempt, r.length])).toEqual([
      [33, 0, 104],
      [33, 1, 104],
      [33, 2, 104],
    ]);
    expect(new Set([a.sequence, b.sequence, c.sequence]).size).toBe(3);
    // Waits of 150 then 300 ms (the first send may leave a little after its timer starts).
    expect(b.at - a.at).toBeGreaterThanOrEqual(100);
    expect(c.at - b.at).toBeGreaterThanOrEqual(290);
  });

  it("gives up after `retries` sends with the cmdallow advice, naming host and port", async () => {
    peer = await ScriptedPeer.start(() => undefined);
    client = new CmdmonClient({ host: "127.0.0.1", port: peer.port, timeoutMs: 30, retries: 2 });
    await expect(client.tracking()).rejects.toMatchObject({
      code: "timeout",
      message: `no reply from 127.0.0.1:${peer.port}: is this address in cmdallow, bindcmdaddress not loopback-only, and UDP ${peer.port} open?`,
    });
    expect(peer.received.length).toBe(2);
  });

  it("accepts a late reply to an earlier try of the same request", async () => {
    peer = await ScriptedPeer.start((r, reply, p) => {
      if (p.received.length === 2) reply(nSourcesReply(p.received[0].sequence, 4));
    });
    client = new CmdmonClient({ host: "127.0.0.1", port: peer.port, timeoutMs: 40 });
    await expect(client.nSources()).resolves.toBe(4);
  });

  it("ignores replies to unknown sequences and to another command, then takes the right one", async () => {
    peer = await ScriptedPeer.start((r, reply) => {
      reply(nSourcesReply(r.sequence ^ 1, 1));
      reply(nSourcesReply(r.sequence, 2, 33));
      reply(Buffer.from("short"));
      reply(nSourcesReply(r.sequence, 3));
    });
    client = new CmdmonClient({ host: "127.0.0.1", port: peer.port, timeoutMs: 500 });
    await expect(client.nSources()).resolves.toBe(3);
  });

  it("routes many concurrent replies, answered in reverse order, to their own requests", async () => {
    const held: (() => void)[] = [];
    peer = await ScriptedPeer.start((r, reply) => {
      const index = held.length;
      held.push(() => reply(nSourcesReply(r.sequence, 1000 + index)));
      if (held.length === 50) held.reverse().forEach((send) => send());
    });
    client = new CmdmonClient({ host: "127.0.0.1", port: peer.port, timeoutMs: 2000, maxInFlight: 50 });
    const results = await Promise.all(Array.from({ length: 50 }, () => client!.nSources()));
    expect(new Set(results).size).toBe(50);
    const bySequence = new Map(peer.received.map((r, i) => [r.sequence, 1000 + i]));
    expect(bySequence.size).toBe(50);
    expect([...results].sort()).toEqual([...bySequence.values()].sort());
  });

  it("puts at most maxInFlight requests on the wire; the others wait for a slot", async () => {
    const held: (() => void)[] = [];
    peer = await ScriptedPeer.start((r, reply) => held.push(() => reply(nSourcesReply(r.sequence, 7))));
    client = new CmdmonClient({ host: "127.0.0.1", port: peer.port, timeoutMs: 2000, maxInFlight: 4 });
    const calls = Promise.all(Array.from({ length: 10 }, () => client!.nSources()));
    await new Promise((r) => setTimeout(r, 50));
    expect(peer.received).toHaveLength(4);
    while (peer.received.length < 10 || held.length > 0) {
      held.splice(0).forEach((answer) => answer());
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await calls).toEqual(new Array(10).fill(7));
    expect(new Set(peer.received.map((r) => r.attempt))).toEqual(new Set([0]));
  });

  it("fails a call still waiting for a slot at its deadline, saying why it was not sent", async () => {
    peer = await ScriptedPeer.start(() => undefined);
    client = new CmdmonClient({ host: "127.0.0.1", port: peer.port, timeoutMs: 1000, maxInFlight: 1, deadlineMs: 150 });
    const first = client.tracking();
    const second = client.tracking();
    await expect(second).rejects.toMatchObject({
      code: "timeout",
      message: `no reply to TRACKING from 127.0.0.1:${peer.port} within the call's 150 ms deadline (not sent: all 1 request slots busy): chronyd answers too slowly or drops requests; allow a longer timeout`,
    });
    await expect(first).rejects.toMatchObject({ code: "timeout", message: expect.stringContaining("(1 of 3 tries sent)") });
    expect(peer.received).toHaveLength(1);
  });

  it("fails a request with the decoder's error when the reply is bad (status)", async () => {
    peer = await ScriptedPeer.start((r, reply) => reply(bytes(header({ command: 57, reply: 1, status: 2, sequence: r.sequence }))));
    client = new CmdmonClient({ host: "127.0.0.1", port: peer.port });
    await expect(client.ntpData("127.0.0.1")).rejects.toMatchObject({ code: "unauthorised" });
  });

  it("says nothing listens when the port is closed (ICMP port unreachable)", async () => {
    const probe = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => probe.bind(0, "127.0.0.1", resolve));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    client = new CmdmonClient({ host: "127.0.0.1", port: closedPort, timeoutMs: 2000 });
    await expect(client.tracking()).rejects.toMatchObject({
      code: "unreachable",
      message: `nothing listens on 127.0.0.1:${closedPort} (chronyd not running or cmdport differs)`,
    });
  });

  it("stops requests in flight on close and refuses new ones", async () => {
    peer = await ScriptedPeer.start(() => undefined);
    client = new CmdmonClient({ host: "127.0.0.1", port: peer.port, timeoutMs: 5000 });
    const pending = client.tracking();
    await new Promise((r) => setTimeout(r, 20));
    await client.close();
    await expect(pending).rejects.toMatchObject({ code: "closed" });
    await expect(client.tracking()).rejects.toMatchObject({ code: "closed" });
  });

  it("validates its options with the received value", () => {
    expect(() => new CmdmonClient({ host: "127.0.0.1", port: 0 })).toThrow("CmdmonClient port must be an integer from 1 to 65535, got 0");
    expect(() => new CmdmonClient({ host: "", port: 323 })).toThrow(/needs a host/);
    expect(() => new CmdmonClient({ host: "h", timeoutMs: -1 })).toThrow(/timeoutMs must be a positive number/);
    expect(() => new CmdmonClient({ host: "h", retries: 0 })).toThrow(/retries must be an integer of at least 1/);
    expect(() => new CmdmonClient({ host: "h", deadlineMs: 0 })).toThrow(/deadlineMs must be a positive number/);
    expect(() => new CmdmonClient({ host: "h", maxInFlight: 0 })).toThrow(/maxInFlight must be an integer of at least 1/);
    expect(() => new CmdmonClient({ host: "01.2.3.4" })).toThrow("CmdmonClient host '01.2.3.4' is not a valid IPv4 address");
    expect(new CmdmonClient({ host: "[::1]" }).endpoint).toBe("[::1]:323");
  });
});
