import * as path from "node:path";
import { UserError } from "../../errors";
import { formatReport } from "../../import/import-report";
import { runImport } from "../../import/run-import";
import { KEY_STORE_DIR } from "../../import/write-project";
import { SourcesPlacement } from "../../model/chrony-config";
import { parseArgs } from "../args";
import { CliCommand } from "../command";

const USAGE = `usage: cdktf-chrony import FILE... [--out DIR] [options]
       cdktf-chrony import --ssh [USER@]HOST[:PORT]... [--out DIR] [options]`;

const HELP = `${USAGE}

Writes a cdktf app (DIR/main.ts, plus cdktf.json, package.json, tsconfig.json and .gitignore when
the folder has none) whose ChronyHosts reproduce existing chrony configurations: synth renders
files that chronyd reads the same way ('chronyd -p' lists the same directives and options).

From files, each FILE is one host's chrony.conf. Over SSH, each host's chrony.conf is read with
the files chronyd reads because of it: confdir and include drop-ins, the *.sources files of its
sourcedirs, and chrony.keys (through sudo -n for a non-root user). Host keys are checked against
known_hosts; an unknown host is refused unless --trust-on-first-use.

What the app does with what it finds:
  - every chrony 4.3 directive becomes a typed prop; the profile (Debian or RHEL layout) keeps the
    distribution's stock lines the host kept; lines chronyd reads but ignores (commandkey...) stay
    as rawDirectives with a comment; a line chronyd would refuse is reported with file:line
  - sources stay where they are: in chrony.conf (sourcesPlacement "conf"), or, when a sourcedir
    holds one *.sources file, the app takes that file over
  - keys go to the key store (${KEY_STORE_DIR}/key-<ID>.line, 0600, folder 0700, kept out of git);
    main.ts refers to them with KeySource.keyStore(), never holds the material
  - with several hosts, a source that is another imported host becomes a reference to it, and a
    key several hosts hold becomes one NtpKey

options:
  --out DIR                 where to write the app (default: the current folder)
  --ssh                     the arguments are SSH targets, not files
  --user USER               SSH login (default root; USER@ in a target wins)
  --identity FILE           SSH private key (default: the ssh-agent)
  --known-hosts FILE        known_hosts to check host keys against (default ~/.ssh/known_hosts)
  --trust-on-first-use      accept and record the key of a host known_hosts does not list yet
  --sandbox DIR             the hosts are hosts of 'cdktf-chrony sandbox' in DIR: their paths live
                            under each host's root (sandbox profile); key and known_hosts from DIR
  --profile auto|debian|rhel   the layout (default auto: the path of chrony.conf, or for a file the
                            keyfile and driftfile paths)
  --chrony-version V        for files: the chrony release they are for (default 4.3; SSH asks chronyd)
  --keys FILE               for one file: a copy of that host's chrony.keys, for the key store
  --sources-placement conf|sourcedir   where the app puts sources (default: where they are; moving
                            them from chrony.conf to a sourcedir costs one restart at the first deploy)
  --stack NAME              the stack's name (default chrony)
  --force                   replace an existing DIR/main.ts
  --json                    print {"hosts":[...],"links":[...],"keys":[ids],"written":[...],"reports":[...]}

exit status: 0 every line is reproduced; 2 the app is written but some line is not (see the
reports, each with its file and line); 1 nothing was written (bad input, unreachable host).

examples:
  cdktf-chrony import /etc/chrony/chrony.conf --out fleet
  cdktf-chrony import --ssh root@ntp1.example.net root@ntp2.example.net --out fleet
  cdktf-chrony import --ssh 127.0.0.11 127.0.0.12 --sandbox .sandbox --out lab
`;

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UserError(`invalid --${flag} '${value}': use ${allowed.join(" or ")}`);
  return value as T;
}

export const command: CliCommand = {
  name: "import",
  summary: "existing chrony.conf files or hosts → a cdktf app that reproduces them",
  help: HELP,
  async run(args, io) {
    const { positionals, options } = parseArgs(args, {
      command: "import",
      options: {
        ssh: "flag",
        "trust-on-first-use": "flag",
        force: "flag",
        json: "flag",
        out: "value",
        user: "value",
        identity: "value",
        "known-hosts": "value",
        sandbox: "value",
        profile: "value",
        "chrony-version": "value",
        keys: "value",
        "sources-placement": "value",
        stack: "value",
      },
      maxPositionals: 1000,
    });
    // Whether an option was given, and a value option's value.
    const given = (name: keyof typeof options) => options[name] !== undefined && options[name] !== false;
    const value = (name: keyof typeof options) => (typeof options[name] === "string" ? (options[name] as string) : undefined);
    if (positionals.length === 0) throw new UserError(`nothing to import: ${USAGE.split("\n")[0].replace("usage: ", "")}`);
    const ssh = given("ssh");
    if (!ssh) {
      for (const f of ["user", "identity", "known-hosts", "trust-on-first-use", "sandbox"] as const) {
        if (given(f)) throw new UserError(`--${f} goes with --ssh (importing files reads nothing over SSH)`);
      }
    } else {
      for (const f of ["keys", "chrony-version"] as const)
        if (given(f)) throw new UserError(`--${f} goes with files, not --ssh (over SSH the host's own is read)`);
    }
    const layout = oneOf("profile", value("profile"), ["auto", "debian", "rhel"] as const);
    const placement = oneOf<SourcesPlacement>("sources-placement", value("sources-placement"), ["conf", "sourcedir"]);
    const stack = value("stack");
    if (stack !== undefined && !/^[A-Za-z][A-Za-z0-9_-]{0,62}$/.test(stack))
      throw new UserError(`invalid --stack '${stack}': use letters, digits, '-' and '_', starting with a letter`);
    const outDir = path.resolve(value("out") ?? ".");
    const progress = (line: string) => io.stderr(`${line}\n`);

    const result = await runImport({
      ...(ssh ? { ssh: positionals } : { files: positionals }),
      sshOptions: {
        user: value("user"),
        identity: value("identity"),
        knownHosts: value("known-hosts"),
        trustOnFirstUse: given("trust-on-first-use"),
        sandboxDir: value("sandbox"),
        log: progress,
      },
      layout,
      chronyVersion: value("chrony-version"),
      keysFile: value("keys"),
      sourcesPlacement: placement,
      outDir,
      stackName: stack,
      force: given("force"),
    });

    const { fleet, project } = result;
    if (given("json")) {
      const out = {
        hosts: fleet.hosts.map((h) => ({
          name: h.name,
          origin: h.snapshot.origin,
          chronyVersion: h.chronyVersion,
          profile: { layout: h.profile.layout.kind, stockLines: h.profile.stockLines, ...h.profile.overrides },
          sourcesPlacement: h.sourcesPlacement,
          typedProps: Object.keys(h.props).length,
          sources: h.sources.length,
          rawDirectives: h.raw.map((r) => ({ at: r.at, line: r.line, why: r.why })),
        })),
        links: fleet.links.map((l) => ({ from: l.from, to: l.to, kind: l.source.kind, at: l.source.at })),
        keys: fleet.keys.map((k) => k.id),
        written: project.written,
        kept: project.kept,
        reports: result.reports.map((r) => ({ host: r.host, ...r.report })),
      };
      io.stdout(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      for (const h of fleet.hosts) {
        const where =
          h.sourcesPlacement === "conf"
            ? "sources in chrony.conf"
            : `sources in ${h.profile.overrides.sourcesFileName ?? "the managed sources file"}`;
        const profile = `${h.profile.layout.kind} profile${h.profile.stockLines ? "" : " written out"}`;
        io.stdout(
          `imported ${h.name} from ${h.snapshot.origin}: ${Object.keys(h.props).length} typed props, ${h.sources.length + fleet.links.filter((l) => l.from === h.name).length} sources, ${h.raw.length} raw (${profile}, ${where})\n`,
        );
      }
      for (const r of result.reports) io.stdout(`  ${formatReport(r.host, r.report)}\n`);
      io.stdout(`wrote ${project.written.join(", ")} in ${outDir}${project.kept.length > 0 ? ` (kept its ${project.kept.join(", ")})` : ""}\n`);
      if (project.storedKeys.length > 0)
        io.stdout(`keys ${project.storedKeys.join(", ")} are in ${path.join(outDir, KEY_STORE_DIR)} (0600): keep it out of git and back it up\n`);
      io.stdout(`next: cd ${outDir} && npm install && npx cdktf synth, review main.ts, then cdktf deploy\n`);
    }
    if (result.incomplete) {
      io.stderr(
        `cdktf-chrony import: ${result.reports.filter((r) => r.report.level === "error").length} line(s) are not reproduced by the app: see the reports above\n`,
      );
      return 2;
    }
    return 0;
  },
};
