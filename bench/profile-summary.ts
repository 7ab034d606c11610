/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time and by total
 * (inclusive) time, with file:line, paths shortened to the project.
 *
 *   node dist/bench/profile-summary.js FILE.cpuprofile [TOP] [FOCUS,FOCUS...]
 *
 * FOCUS: substrings of "function file:line" labels whose inclusive time to print (e.g.
 * "resolveHost,captureStackTrace,writeFileUtf8").
 */
import * as fs from "node:fs";
import * as path from "node:path";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: number[];
}

interface CpuProfile {
  readonly nodes: ProfileNode[];
  readonly samples: number[];
  readonly timeDeltas: number[];
  readonly startTime: number;
  readonly endTime: number;
}

const ROOT = path.resolve(__dirname, "..", "..");

function where(frame: CallFrame): string {
  const file = frame.url.replace(/^file:\/\//, "");
  const short = file.startsWith(ROOT) ? path.relative(ROOT, file) : file || "(native)";
  return `${short}:${frame.lineNumber + 1}`;
}

function label(frame: CallFrame): string {
  return `${frame.functionName || "(anonymous)"} ${where(frame)}`;
}

export function summarize(profile: CpuProfile, top = 25, focus: readonly string[] = []): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

  const selfByLabel = new Map<string, number>();
  const totalByLabel = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const key = label(node.callFrame);
    selfByLabel.set(key, (selfByLabel.get(key) ?? 0) + us);
    // Inclusive: count each distinct label once per sample stack (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!.callFrame);
      if (seen.has(l)) continue;
      seen.add(l);
      totalByLabel.set(l, (totalByLabel.get(l) ?? 0) + us);
    }
  }
  const fmt = (entries: Map<string, number>) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([l, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${l}`)
      .join("\n");
  const focused = focus.map((f) => {
    const matches = [...totalByLabel].filter(([l]) => l.includes(f)).sort((a, b) => b[1] - a[1]);
    return matches.length === 0
      ? `      - ms        ${f}: no samples`
      : matches
          .slice(0, 3)
          .map(([l, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${l}`)
          .join("\n");
  });
  return [
    `sampled ${(total / 1000).toFixed(0)} ms`,
    ...(focus.length > 0 ? ["", "focus (inclusive):", ...focused] : []),
    "",
    `top ${top} by self time:`,
    fmt(selfByLabel),
    "",
    `top ${top} by total (inclusive) time:`,
    fmt(new Map([...totalByLabel].filter(([l]) => !l.startsWith("(root)") && !l.startsWith("(program)")))),
  ].join("\n");
}

if (require.main === module) {
  const [file, top, focus] = process.argv.slice(2);
  if (!file) {
    process.stderr.write("usage: profile-summary.js FILE.cpuprofile [TOP]\n");
    process.exitCode = 1;
  } else {
    process.stdout.write(
      `${summarize(JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile, top ? Number(top) : 25, focus ? focus.split(",") : [])}\n`,
    );
  }
}
