import { describe, expect, it } from "vitest";
import type { HostDrift } from "../../../lib/deploy/drift";
import type { HostPlan } from "../../../lib/deploy/plan";
import type { HostVerification } from "../../../lib/deploy/verify";
import { driftJUnit, driftMarkdown } from "../../../lib/report/drift-report";
import { junitXml } from "../../../lib/report/junit";
import { mdCode, mdTable, mdText } from "../../../lib/report/markdown";
import { planMarkdown, planSentence, planText } from "../../../lib/report/plan-report";
import { verifyJUnit, verifyMarkdown } from "../../../lib/report/verify-report";
import { elements, parseXml } from "../../helpers/xml";

// Text a host controls can hold anything: markup, table pipes, XML specials, control characters.
const HOSTILE = `a|b <script>alert(1)</script> & "q" 'a' ]]> \x1b[31m *x* _y_ \`z\``;

const drift = (host: string, status: HostDrift["status"], details: string[] = [], error?: string): HostDrift => ({
  host,
  stack: "fleet",
  address: `127.0.0.1:22`,
  status,
  differences: details.map((detail) => ({ kind: "file-changed", subject: "/etc/chrony/chrony.conf", detail })),
  ...(error ? { error } : {}),
  warnings: [],
  seconds: 0.25,
});

const verification = (host: string, result: HostVerification["result"], problems: string[] = []): HostVerification => ({
  host,
  stack: "fleet",
  address: "127.0.0.1:22",
  result,
  sources: [],
  problems,
  seconds: 1.5,
});

const plan = (host: string, fields: Partial<HostPlan>): HostPlan => ({
  host,
  stack: "fleet",
  address: "127.0.0.1:22",
  status: "change",
  action: "none",
  reason: "",
  files: [],
  notes: [],
  seconds: 0.1,
  ...fields,
});

describe("the strict XML check the report tests rely on", () => {
  it.each([
    ["an unescaped &", "<a>x & y</a>"],
    ["an unknown entity", "<a>&nbsp;</a>"],
    ["a < in an attribute", '<a b="<"/>'],
    ["a mismatched end tag", "<a><b></a></b>"],
    ["an unclosed element", "<a><b/>"],
    ["a duplicate attribute", '<a b="1" b="2"/>'],
    ["an unquoted attribute", "<a b=1/>"],
    ["a control character", "<a>\x1b</a>"],
    ["a control character reference", "<a>&#27;</a>"],
    ["text after the root", "<a/>x"],
    ["two roots", "<a/><b/>"],
    ["]]> in text", "<a>]]></a>"],
    ["a DTD", "<!DOCTYPE a><a/>"],
  ])("refuses %s", (_what, doc) => {
    expect(() => parseXml(doc)).toThrow(/not well-formed XML/);
  });

  it("reads a well-formed document, references resolved", () => {
    const root = parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><a x="1&amp;2&#10;3"><b>t&lt;&#x41;</b><c/></a>\n`);
    expect(root.attributes.x).toBe("1&2\n3");
    expect(elements(root, "b")[0].text).toBe("t<A");
  });
});

describe("JUnit XML", () => {
  it("escapes anything a host says, and keeps characters XML cannot carry visible", () => {
    const xml = junitXml("t", [
      {
        name: "s",
        cases: [{ classname: "fleet", name: HOSTILE, seconds: 1, failure: { type: "drift", message: `line 1\n${HOSTILE}`, text: HOSTILE } }],
      },
    ]);
    const root = parseXml(xml);
    const [testcase] = elements(root, "testcase");
    const shown = HOSTILE.replace("\x1b", "\\u001b");
    expect(testcase.attributes.name).toBe(shown);
    expect(elements(testcase, "failure")[0].attributes.message).toBe(`line 1\n${shown}`);
    expect(elements(testcase, "failure")[0].text).toBe(shown);
  });

  it("drift: one test case per host, a failure per drifted host saying what differs, an error per unreachable host", () => {
    const results = [
      drift("client-1", "drift", ["/etc/chrony/chrony.conf differs from the deployed version (edited on the host?): maxslewrate added"]),
      drift("client-2", "clean"),
      drift("client-3", "drift", ["one", "two"]),
      drift("server-a", "error", [], "cannot connect to 127.0.0.1:22: connection refused"),
      { ...drift("other", "clean"), stack: "site-b" },
    ];
    const root = parseXml(driftJUnit(results, new Date("2026-01-02T03:04:05Z")));
    expect(root.name).toBe("testsuites");
    expect(root.attributes).toMatchObject({ tests: "5", failures: "2", errors: "1" });
    expect(elements(root, "testsuite").map((s) => [s.attributes.name, s.attributes.tests, s.attributes.timestamp])).toEqual([
      ["cdktf-chrony drift: fleet", "4", "2026-01-02T03:04:05"],
      ["cdktf-chrony drift: site-b", "1", "2026-01-02T03:04:05"],
    ]);
    const cases = elements(root, "testcase");
    expect(cases.map((c) => [c.attributes.classname, c.attributes.name])).toEqual([
      ["fleet", "client-1"],
      ["fleet", "client-2"],
      ["fleet", "client-3"],
      ["fleet", "server-a"],
      ["site-b", "other"],
    ]);
    const failure = (i: number) => elements(cases[i], "failure")[0];
    expect(failure(0).attributes.message).toBe("/etc/chrony/chrony.conf differs from the deployed version (edited on the host?): maxslewrate added");
    expect(failure(2).attributes.message).toBe("2 differences; first: one");
    expect(failure(2).text).toBe("file-changed: one\nfile-changed: two");
    expect(elements(cases[1], "failure")).toEqual([]);
    expect(elements(cases[3], "error")[0].attributes).toEqual({ type: "unreachable", message: "cannot connect to 127.0.0.1:22: connection refused" });
  });

  it("verify: a failure per host that did not verify, an error per host not queried", () => {
    const root = parseXml(
      verifyJUnit([
        verification("a", "verified"),
        verification("b", "failed", ["server x has not answered yet (reach 0)"]),
        verification("c", "error", ["timeout"]),
      ]),
    );
    expect(root.attributes).toMatchObject({ tests: "3", failures: "1", errors: "1" });
    const cases = elements(root, "testcase");
    expect(elements(cases[1], "failure")[0].attributes.message).toBe("server x has not answered yet (reach 0)");
    expect(elements(cases[2], "error")[0].attributes.message).toBe("timeout");
  });
});

describe("Markdown", () => {
  it("escapes text so it can neither break a table nor become markup", () => {
    expect(mdText("a|b <i>x</i> *y* _z_ [l](u) &amp; `c`")).toBe("a\\|b \\<i\\>x\\</i\\> \\*y\\* \\_z\\_ \\[l\\](u) \\&amp; \\`c\\`");
    // A span that ends with a backtick is padded on both sides (CommonMark strips one space each side).
    expect(mdCode("server 10.0.0.1 | `x`")).toBe("`` server 10.0.0.1 \\| `x` ``");
    expect(mdTable(["a", "b"], [["1", "2"]])).toBe("| a | b |\n| --- | --- |\n| 1 | 2 |\n");
  });

  it("drift: one line when clean; otherwise the drifted and unreachable hosts with what differs", () => {
    expect(driftMarkdown([drift("a", "clean"), drift("b", "clean")])).toBe("**cdktf-chrony drift**: no drift, 2 hosts as deployed.\n");
    const md = driftMarkdown([drift("a", "clean"), drift("b", "drift", ["x differs", HOSTILE]), drift("c", "error", [], "refused")]);
    const lines = md.trimEnd().split("\n");
    expect(lines[0]).toBe("### cdktf-chrony drift: 1 drifted, 1 not checked, 1 clean");
    expect(lines.slice(2, 4)).toEqual(["| host | stack | status | what differs |", "| --- | --- | --- | --- |"]);
    expect(lines).toHaveLength(6);
    expect(lines[4]).toMatch(/^\| `b` \| fleet \| drift \| x differs<br>a\\\|b \\<script\\>/);
    // Every row has exactly its four cells: no unescaped pipe got through.
    for (const row of lines.slice(2)) expect(row.split(/(?<!\\)\|/).length).toBe(6);
    expect(lines[5]).toBe("| `c` | fleet | **not checked** | refused |");
  });

  it("verify: one line when every host verifies", () => {
    expect(verifyMarkdown([verification("a", "verified")])).toBe(
      "**cdktf-chrony verify**: 1 host verified: sources reachable, keyed sources authenticated.\n",
    );
    expect(verifyMarkdown([verification("a", "verified"), verification("b", "failed", ["p1", "p2"])])).toContain(
      "| `b` | fleet | failed | p1<br>p2 |",
    );
  });
});

describe("plan reports", () => {
  const plans = [
    plan("client-1", {
      action: "reload-sources",
      reason: "sources: server 10.0.0.5 added",
      files: [
        {
          role: "sources",
          path: "/etc/chrony/sources.d/cdktf-chrony.sources",
          change: "content",
          summary: "server 10.0.0.5 added",
          removed: [],
          added: ["server 10.0.0.5 iburst"],
        },
      ],
    }),
    plan("client-2", { action: "reload-sources", reason: "sources: server 10.0.0.5 added" }),
    plan("client-3", { action: "reload-sources", reason: "sources: server 10.0.0.5 added" }),
    plan("server-a", {
      action: "restart",
      reason: "chrony.conf: makestep changed",
      files: [
        {
          role: "conf",
          path: "/etc/chrony/chrony.conf",
          change: "content",
          summary: "makestep changed",
          removed: ["makestep 1 3"],
          added: ["makestep 0.5 3"],
        },
      ],
    }),
    plan("server-b", { status: "unchanged" }),
  ];

  it("sums the fleet up in one sentence for the PR, most disruptive first", () => {
    expect(planSentence(plans)).toBe("1 host restarts (chrony.conf: makestep changed), 3 reload sources, 1 unchanged");
    expect(planSentence([plan("a", { status: "unchanged" })])).toBe("1 host unchanged");
    expect(planSentence([plan("a", { status: "error", error: "x" }), plan("b", { action: "rekey" }), plan("c", { action: "rekey" })])).toBe(
      "1 host could not be read, 2 rekey",
    );
  });

  it("markdown: the sentence as heading, the hosts that change with their changed lines, the clock effect of a restart", () => {
    const md = planMarkdown(plans);
    expect(md.split("\n")[0]).toBe("### cdktf-chrony plan: 1 host restarts (chrony.conf: makestep changed), 3 reload sources, 1 unchanged");
    expect(md).toContain(
      "| `server-a` | **restart** (makestep re-armed, measurements dropped) | chrony.conf: makestep changed | `chrony.conf`: makestep changed<br>−`makestep 1 3`<br>+`makestep 0.5 3` |",
    );
    expect(md).toContain(
      "| `client-1` | reload sources | sources: server 10.0.0.5 added | `cdktf-chrony.sources`: server 10.0.0.5 added<br>+`server 10.0.0.5 iburst` |",
    );
    expect(md).not.toContain("server-b");
    expect(planMarkdown([plan("a", { status: "unchanged" })])).toBe("**cdktf-chrony plan**: no changes, 1 host match the synth output.\n");
  });

  it("text: a line per host, each changed file with its lines, and the sentence", () => {
    const text = planText(plans);
    expect(text).toContain(
      "server-a  restart         chrony.conf: makestep changed\n            /etc/chrony/chrony.conf: content: makestep changed\n              - makestep 1 3\n              + makestep 0.5 3\n",
    );
    expect(text).toContain("server-b  -               matches the synth output\n");
    expect(text).toMatch(
      /\nplan: 1 host restarts \(chrony\.conf: makestep changed\), 3 reload sources, 1 unchanged\nclock: restart: makestep re-armed, measurements dropped\n$/,
    );
  });
});
