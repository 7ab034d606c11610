import { Command } from "./commands";
import { buildRequest, openReply, type CommandSpec, type RequestEnvelope } from "./header";
import { ReplyCode } from "./reply-codes";
import type { Activity } from "./types";

export const ACTIVITY: CommandSpec = { command: Command.ACTIVITY, reply: ReplyCode.ACTIVITY, bodyLength: 0 };

export function encodeActivityRequest(envelope: RequestEnvelope): Buffer {
  return buildRequest(ACTIVITY, envelope);
}

export function decodeActivityReply(bytes: Uint8Array, sequence: number): Activity {
  const view = openReply(bytes, ACTIVITY, sequence);
  return {
    online: view.getInt32(28, false),
    offline: view.getInt32(32, false),
    burstOnline: view.getInt32(36, false),
    burstOffline: view.getInt32(40, false),
    unresolved: view.getInt32(44, false),
  };
}
