import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { RATE_LIMIT_FIELDS } from "../../../lib/model/areas/binding";
import { LOCAL_FIELDS } from "../../../lib/model/areas/clock";
import { HWTIMESTAMP_FIELDS, REFCLOCK_FIELDS } from "../../../lib/model/areas/refclocks";
import { SOURCE_KINDS, SOURCE_OPTION_TABLE } from "../../../lib/model/areas/sources";
import { DIRECTIVES } from "../../../lib/model/directive-grammar";
import { OptionField } from "../../../lib/model/prop-rows";
import { PROP_ROWS } from "../../../lib/model/prop-table";
import { isAtLeast, parseChronyVersion } from "../../../lib/model/version";
import { DocumentedProp, chronyWordOf, documentedProps, meaning } from "../../helpers/props-table";

// docs/props.md, the props → chrony table, is generated from the model's own tables (the prop rows,
// the source option table, the option fields) and the props' TSDoc; this test fails when they drift
// apart. UPDATE_DOCS=1 rewrites the table between the markers.

const PROPS_DOC = path.join(__dirname, "../../../docs/props.md");
const START = "<!-- props-table:start";
const END = "<!-- props-table:end -->";

const configProps = documentedProps("lib/model/chrony-config.ts", "ChronyConfigProps");
const byName = (props: readonly DocumentedProp[]) => new Map(props.map((p) => [p.name, p]));
const code = (s: string) => `\`${s}\``;

function optionTable(title: string, props: readonly DocumentedProp[], fields: ReadonlyArray<{ prop: string; word: string }>): string[] {
  const docs = byName(props);
  return [
    `## ${title}`,
    "",
    "| prop | option | |",
    "|---|---|---|",
    ...fields.map((f) => `| ${code(f.prop)} | ${code(f.word)} | ${meaning(docs.get(f.prop)!)} |`),
    "",
  ];
}

function generatedTable(): string {
  const docs = byName(configProps);
  const rows = PROP_ROWS.map((r) => `| ${code(r.prop)} | ${r.directives.map(code).join(", ")} | ${meaning(docs.get(r.prop)!)} |`);
  const other = ["servers", "pools", "peers"].map(
    (p, i) => `| ${code(p)} (ChronyHost) | ${code(SOURCE_KINDS[[0, 1, 2][i]])} | one line per entry; options below |`,
  );
  const plain = ["sourcesPlacement", "omitProfileDirectives", "rawDirectives", "chronyVersion"].map(
    (p) => `| ${code(p)} | - | ${meaning(docs.get(p)!)} |`,
  );
  const sourceFields = SOURCE_OPTION_TABLE.map((s) => ({ prop: s.prop === "keyId" ? "keyId" : s.prop, word: s.word }));
  const sourceDocs = documentedProps("lib/model/areas/sources.ts", "PoolOptions");
  return [
    "## ChronyHost props → chrony.conf directives",
    "",
    "| prop | chrony | |",
    "|---|---|---|",
    ...rows,
    ...other,
    ...plain,
    "",
    ...optionTable(
      "Source options (`servers`, `pools`, `peers`, `addServer`, `addPool`, `addPeer`; constructs take `key: NtpKey` for `keyId`)",
      sourceDocs,
      sourceFields,
    ),
    ...optionTable(
      "`refclocks[]` options (after `driver` and `parameter`)",
      documentedProps("lib/model/areas/refclocks.ts", "Refclock"),
      REFCLOCK_FIELDS,
    ),
    ...optionTable(
      "`hwTimestamping[]` options (after `interface`)",
      documentedProps("lib/model/areas/refclocks.ts", "HardwareTimestamping"),
      HWTIMESTAMP_FIELDS,
    ),
    ...optionTable("`local` options", documentedProps("lib/model/areas/clock.ts", "LocalReference"), LOCAL_FIELDS),
    ...optionTable(
      "`rateLimit`, `cmdRateLimit`, `ntsRateLimit` options",
      documentedProps("lib/model/areas/binding.ts", "RateLimit"),
      RATE_LIMIT_FIELDS,
    ),
  ].join("\n");
}

describe("props and chrony names", () => {
  it("every chrony 4.3 directive has a typed prop (sources by servers/pools/peers; obsolete ones stay raw)", () => {
    const v43 = parseChronyVersion("4.3");
    const typed = new Set(PROP_ROWS.flatMap((r) => r.directives));
    const missing = [...DIRECTIVES.entries()].filter(
      ([name, spec]) =>
        isAtLeast(v43, spec.since) && !(SOURCE_KINDS as readonly string[]).includes(name) && !typed.has(name) && !(spec.obsolete && !spec.slot),
    );
    expect(missing.map(([name]) => name)).toEqual([]);
    for (const r of PROP_ROWS) for (const d of r.directives) expect(DIRECTIVES.has(d), `${r.prop} writes ${d}`).toBe(true);
  });

  it("every prop's TSDoc starts with the chrony directive or option it writes", () => {
    const docs = byName(configProps);
    for (const r of PROP_ROWS) expect(r.directives, `${r.prop}: ${docs.get(r.prop)?.doc}`).toContain(chronyWordOf(docs.get(r.prop)?.doc ?? ""));
    const sourceDocs = byName(documentedProps("lib/model/areas/sources.ts", "PoolOptions"));
    for (const s of SOURCE_OPTION_TABLE) expect(chronyWordOf(sourceDocs.get(s.prop)?.doc ?? ""), s.prop).toBe(s.word);
    const checkFields = (file: string, type: string, fields: readonly OptionField[]) => {
      const d = byName(documentedProps(file, type));
      for (const f of fields) expect(chronyWordOf(d.get(f.prop)?.doc ?? ""), `${type}.${f.prop}`).toBe(f.word);
    };
    checkFields("lib/model/areas/refclocks.ts", "Refclock", REFCLOCK_FIELDS);
    checkFields("lib/model/areas/refclocks.ts", "HardwareTimestamping", HWTIMESTAMP_FIELDS);
    checkFields("lib/model/areas/clock.ts", "LocalReference", LOCAL_FIELDS);
    checkFields("lib/model/areas/binding.ts", "RateLimit", RATE_LIMIT_FIELDS);
  });

  it("every optional prop documents its default", () => {
    const noDefault = configProps.filter((p) => p.defaultValue === undefined).map((p) => p.name);
    expect(noDefault).toEqual([]);
  });

  it("docs/props.md's table is the one the model generates", () => {
    const doc = fs.readFileSync(PROPS_DOC, "utf8");
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    const table = generatedTable();
    if (process.env.UPDATE_DOCS === "1" && start >= 0 && end > start) {
      const head = doc.slice(0, doc.indexOf("\n", start) + 1);
      fs.writeFileSync(PROPS_DOC, `${head}${table}\n${doc.slice(end)}`);
      return;
    }
    expect(start, "docs/props.md has the props-table markers").toBeGreaterThan(0);
    expect(doc.slice(doc.indexOf("\n", start) + 1, end).trim()).toBe(table.trim());
  });
});
