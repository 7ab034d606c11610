/**
 * A strict XML 1.0 well-formedness check for the reports' tests, and the element tree it reads.
 * It accepts what a JUnit file may hold (declaration, elements, attributes, character data, the
 * five entities, character references, comments, CDATA) and throws on anything else: an unescaped
 * `<` or `&`, an unknown entity, a mismatched or unclosed tag, a duplicate attribute, a character
 * XML cannot carry, text outside the root. A DTD is refused, not skipped.
 */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own character data, references resolved (children's text excluded). */
  readonly text: string;
}

const NAME = /[A-Za-z_:][A-Za-z0-9._:-]*/y;
const SPACE = /[ \t\r\n]*/y;
const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

export function parseXml(doc: string): XmlElement {
  let pos = 0;
  const fail = (what: string): never => {
    const line = doc.slice(0, pos).split("\n").length;
    throw new Error(`not well-formed XML at line ${line} (offset ${pos}): ${what}: ${JSON.stringify(doc.slice(pos, pos + 30))}`);
  };
  for (const ch of doc) {
    const cp = ch.codePointAt(0)!;
    if (!isXmlChar(cp) || (cp >= 0xd800 && cp <= 0xdfff)) {
      pos = doc.indexOf(ch);
      fail(`character U+${cp.toString(16).padStart(4, "0")} is not allowed in XML`);
    }
  }
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = pos;
    const m = re.exec(doc);
    if (!m) return undefined;
    pos += m[0].length;
    return m[0];
  };
  const space = () => match(SPACE)!;
  const expect = (text: string) => {
    if (!doc.startsWith(text, pos)) fail(`expected ${JSON.stringify(text)}`);
    pos += text.length;
  };
  const reference = (): string => {
    expect("&");
    const end = doc.indexOf(";", pos);
    if (end < 0) fail("a reference without ';'");
    const body = doc.slice(pos, end);
    let value: string | undefined;
    if (/^#[0-9]+$/.test(body)) value = String.fromCodePoint(Number(body.slice(1)));
    else if (/^#x[0-9A-Fa-f]+$/.test(body)) value = String.fromCodePoint(parseInt(body.slice(2), 16));
    else value = ENTITIES[body];
    if (value === undefined || !isXmlChar(value.codePointAt(0)!)) fail(`unknown or invalid reference &${body};`);
    pos = end + 1;
    return value!;
  };
  const comment = () => {
    expect("<!--");
    const end = doc.indexOf("-->", pos);
    if (end < 0 || doc.slice(pos, end).includes("--")) fail("a bad comment");
    pos = end + 3;
  };
  const misc = () => {
    for (;;) {
      space();
      if (doc.startsWith("<!--", pos)) comment();
      else return;
    }
  };
  const attributeValue = (): string => {
    const quote = doc[pos];
    if (quote !== '"' && quote !== "'") fail("an attribute value must be quoted");
    pos++;
    let value = "";
    while (doc[pos] !== quote) {
      if (pos >= doc.length) fail("an unterminated attribute value");
      const c = doc[pos];
      if (c === "<") fail("'<' in an attribute value");
      if (c === "&") {
        value += reference();
        continue;
      }
      // Attribute-value normalization: a literal line break or tab reads as a space.
      value += /[\t\n\r]/.test(c) ? " " : c;
      pos++;
    }
    pos++;
    return value;
  };
  const element = (): XmlElement => {
    expect("<");
    const name = match(NAME) ?? fail("an element name");
    const attributes: Record<string, string> = {};
    for (;;) {
      const gap = space();
      if (doc.startsWith("/>", pos) || doc.startsWith(">", pos)) break;
      if (gap === "") fail("attributes must be separated by white space");
      const attr = match(NAME) ?? fail("an attribute name");
      if (Object.hasOwn(attributes, attr)) fail(`a duplicate attribute '${attr}'`);
      space();
      expect("=");
      space();
      attributes[attr] = attributeValue();
    }
    if (doc.startsWith("/>", pos)) {
      pos += 2;
      return { name, attributes, children: [], text: "" };
    }
    expect(">");
    const children: XmlElement[] = [];
    let text = "";
    for (;;) {
      if (pos >= doc.length) fail(`<${name}> is not closed`);
      if (doc.startsWith("</", pos)) break;
      if (doc.startsWith("<!--", pos)) comment();
      else if (doc.startsWith("<![CDATA[", pos)) {
        const end = doc.indexOf("]]>", pos);
        if (end < 0) fail("an unterminated CDATA section");
        text += doc.slice(pos + 9, end);
        pos = end + 3;
      } else if (doc[pos] === "<") children.push(element());
      else if (doc[pos] === "&") text += reference();
      else {
        if (doc.startsWith("]]>", pos)) fail("']]>' in character data");
        text += doc[pos++];
      }
    }
    expect("</");
    if (match(NAME) !== name) fail(`the end tag does not match <${name}>`);
    space();
    expect(">");
    return { name, attributes, children, text };
  };

  if (doc.startsWith("<?xml", 0)) {
    const end = doc.indexOf("?>");
    if (end < 0 || !/^<\?xml version="1\.[0-9]"( encoding="[A-Za-z][A-Za-z0-9._-]*")?( standalone="(yes|no)")? ?$/.test(doc.slice(0, end)))
      fail("a bad XML declaration");
    pos = end + 2;
  }
  misc();
  if (doc.startsWith("<!DOCTYPE", pos) || doc.startsWith("<?", pos)) fail("a DTD or processing instruction (not expected in a report)");
  const root = element();
  misc();
  if (pos !== doc.length) fail("content after the root element");
  return root;
}

/** Every element named `name` below (and including) `root`, in document order. */
export function elements(root: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = root.name === name ? [root] : [];
  for (const child of root.children) found.push(...elements(child, name));
  return found;
}
