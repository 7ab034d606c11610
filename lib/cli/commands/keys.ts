import { readApplyRecord } from "../../deploy/apply-record";
import { readOutdir } from "../../deploy/outdir";
import { certificateStatuses } from "../../deploy/certificate-expiry";
import { describeKeySource } from "../../keys/key-source";
import { describeNtsKeySource } from "../../keys/nts/private-key";
import { parseArgs } from "../args";
import { CliCommand } from "../command";
import { formatTable } from "../format/table";

export const command: CliCommand = {
  name: "keys",
  summary: "keys per host: ID, type, fingerprint, source (never material)",
  help: `usage: cdktf-chrony keys [OUTDIR] [--json]

Lists the NTP keys each host of a synth output (default ./cdktf.out) holds: key ID, type, keyed
fingerprint (HMAC with the project's salt, safe to share) and where the material comes from, plus
where each key rotation stands. Then the NTS certificates: each server's (its names, its end, where
its private key comes from, the key's keyed fingerprint) and each CA a client trusts, with the days
left and what to do as the end nears (within renewBeforeDays: renew; synth re-issues the ones an
NtsCertificateAuthority of the app issued). Key material is never read or printed by this command.

options:
  --json   {"hosts":[{"id","keys":[{"id","type","fingerprint","source"}],"rotations":[...],
           "nts":[{"role","path","subject","issuer","names","notAfter","daysLeft","status","advice","key"?}]}]}

example:
  cdktf-chrony keys cdktf.out
`,
  async run(args, io) {
    const { positionals, options } = parseArgs(args, { command: "keys", options: { json: "flag" }, maxPositionals: 1 });
    const hosts = readOutdir(positionals[0] ?? "cdktf.out");
    const now = new Date();
    const nts = (m: (typeof hosts)[number]["manifest"]) =>
      certificateStatuses(m, now).map((s) => ({
        role: s.entry.role,
        name: s.entry.name,
        path: s.entry.path,
        subject: s.entry.subject,
        issuer: s.entry.issuer,
        names: s.entry.names,
        notAfter: s.entry.notAfter,
        daysLeft: s.daysLeft,
        status: s.status,
        advice: s.advice,
        sha256: s.entry.sha256,
        ...(s.entry.role === "server" && m.nts?.key
          ? { key: { fingerprint: m.nts.key.fingerprint, source: describeNtsKeySource(m.nts.key.source) } }
          : {}),
      }));
    if (options.json) {
      const out = hosts.map(({ manifest: m, stackDir }) => ({
        id: m.id,
        stack: m.stack,
        keys: m.keys.entries.map((k) => ({ id: k.id, type: k.type, fingerprint: k.fingerprint, source: describeKeySource(k.source), name: k.name })),
        rotations: m.rotations,
        nts: nts(m),
        lastApply: readApplyRecord(stackDir, m.id)?.at,
      }));
      io.stdout(`${JSON.stringify({ hosts: out }, null, 2)}\n`);
      return 0;
    }
    io.stdout(
      formatTable(
        ["HOST", "KEY", "TYPE", "FINGERPRINT", "SOURCE"],
        hosts.flatMap(({ manifest: m }) =>
          m.keys.entries.length === 0
            ? [[m.id, "-", "-", "-", "-"]]
            : m.keys.entries.map((k, i) => [i === 0 ? m.id : "", String(k.id), k.type, k.fingerprint, describeKeySource(k.source)]),
        ),
      ),
    );
    const certificates = hosts.flatMap(({ manifest: m }) => nts(m).map((c) => ({ host: m.id, ...c })));
    if (certificates.length > 0) {
      io.stdout(
        `\nNTS certificates:\n${formatTable(
          ["HOST", "ROLE", "SUBJECT", "NAMES", "NOT AFTER", "DAYS", "STATUS", "SERVER KEY"],
          certificates.map((c) => [
            c.host,
            c.role === "server" ? "server" : "trusted CA",
            c.subject,
            c.names.join(",") || "-",
            c.notAfter.slice(0, 10),
            String(c.daysLeft),
            c.status === "ok" ? "ok" : `${c.status.toUpperCase()}: ${c.advice}`,
            c.key ? `${c.key.fingerprint} (${c.key.source})` : "-",
          ]),
        )}`,
      );
    }
    const rotations = new Map<string, { phase: string; from: number; to: number; hosts: string[] }>();
    for (const { manifest: m } of hosts) {
      for (const r of m.rotations) {
        const entry = rotations.get(r.name) ?? { phase: r.phase, from: r.fromKeyId, to: r.toKeyId, hosts: [] };
        entry.hosts.push(m.id);
        rotations.set(r.name, entry);
      }
    }
    const next = {
      add: "next: phase SWITCH (sources move to the new key)",
      switch: "next: phase RETIRE (the old key is removed)",
      retire: "complete once deployed",
    };
    for (const [name, r] of rotations) {
      io.stdout(
        `\nrotation ${name}: key ${r.from} → ${r.to}, phase ${r.phase.toUpperCase()} on ${r.hosts.length} host(s); ${next[r.phase as keyof typeof next]}\n`,
      );
    }
    return 0;
  },
};
