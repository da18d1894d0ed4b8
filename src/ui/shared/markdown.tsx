import type { ComponentChildren, VNode } from 'preact';
import { highlight } from './highlight.js';

/**
 * Markdown for model replies, rendered as Preact elements, never as HTML: whatever the text holds (tags, scripts,
 * `javascript:` links) ends up as text. Covers what models write: headings, paragraphs, lists, quotes, fenced code
 * (highlighted), tables, inline code, bold, italic, strikethrough and links.
 */

const SAFE_LINK = /^(https?:|mailto:)/i;

/** Inline markup: `code`, **bold**, *italic* / _italic_, ~~struck~~, [text](url), bare URLs. */
const INLINE = /(`+)([\s\S]*?[^`])\1(?!`)|\*\*([\s\S]+?)\*\*|__([\s\S]+?)__|(?<![\w*])\*(?!\s)([\s\S]+?)(?<!\s)\*(?!\w)|(?<!\w)_(?!\s)([\s\S]+?)(?<!\s)_(?!\w)|~~([\s\S]+?)~~|\[([^\]]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/g;

export function renderInline(text: string): ComponentChildren[] {
  const parts: ComponentChildren[] = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const start = match.index ?? 0;
    if (start > last) parts.push(text.slice(last, start));
    last = start + match[0].length;
    const [, , code, bold, boldUnderscore, italic, italicUnderscore, struck, label, href, bare] = match;
    if (code !== undefined) parts.push(<code>{code.trim()}</code>);
    else if (bold !== undefined || boldUnderscore !== undefined) parts.push(<strong>{renderInline(bold ?? boldUnderscore!)}</strong>);
    else if (italic !== undefined || italicUnderscore !== undefined) parts.push(<em>{renderInline(italic ?? italicUnderscore!)}</em>);
    else if (struck !== undefined) parts.push(<del>{renderInline(struck)}</del>);
    else if (label !== undefined && href !== undefined) parts.push(link(href, renderInline(label)));
    else if (bare !== undefined) parts.push(link(bare, bare));
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

function link(href: string, children: ComponentChildren): ComponentChildren {
  if (!SAFE_LINK.test(href)) return children;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  );
}

export function CodeBlock(props: { code: string; language: string }) {
  return (
    <pre class="code" data-language={props.language || undefined}>
      {props.language && <span class="code-language">{props.language}</span>}
      <code>
        {highlight(props.code, props.language).map((token, index) => (token.kind === 'text' ? token.text : <span key={index} class={`tok-${token.kind}`}>{token.text}</span>))}
      </code>
    </pre>
  );
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w+#.-]*)/;
const HEADING = /^(#{1,6})\s+(.*)$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
const QUOTE = /^\s*>\s?(.*)$/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;
const TABLE_DIVIDER = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

const cells = (row: string) => row.trim().replace(/^\||\|$/g, '').split('|').map((cell) => cell.trim());

/** Block structure, line by line; an unfinished code fence (a reply still streaming) runs to the end. */
export function renderMarkdown(text: string): VNode[] {
  const lines = text.split('\n');
  const blocks: VNode[] = [];
  let index = 0;
  const at = (offset = 0) => lines[index + offset] ?? '';
  while (index < lines.length) {
    const line = at();
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[2]!;
      const body: string[] = [];
      index++;
      while (index < lines.length && !at().trim().startsWith(marker)) body.push(lines[index++]!);
      index++;
      blocks.push(<CodeBlock code={body.join('\n')} language={fence[3] ?? ''} />);
      continue;
    }
    if (line.trim() === '') {
      index++;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const Tag = `h${Math.min(6, heading[1]!.length + 2)}` as 'h3';
      blocks.push(<Tag>{renderInline(heading[2]!)}</Tag>);
      index++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push(<hr />);
      index++;
      continue;
    }
    if (line.includes('|') && TABLE_DIVIDER.test(at(1))) {
      const head = cells(line);
      index += 2;
      const rows: string[][] = [];
      while (index < lines.length && at().includes('|') && at().trim() !== '') rows.push(cells(lines[index++]!));
      blocks.push(
        <div class="md-table">
          <table>
            <thead>
              <tr>{head.map((cell) => <th>{renderInline(cell)}</th>)}</tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr>{row.map((cell) => <td>{renderInline(cell)}</td>)}</tr>
              ))}
            </tbody>
          </table>
        </div>,
      );
      continue;
    }
    const listPattern = BULLET.test(line) ? BULLET : NUMBERED.test(line) ? NUMBERED : undefined;
    if (listPattern) {
      const items: string[] = [];
      while (index < lines.length && (listPattern.test(at()) || (items.length > 0 && /^\s{2,}\S/.test(at())))) {
        const item = listPattern.exec(at());
        if (item) items.push(item[1]!);
        else items[items.length - 1] += ` ${at().trim()}`;
        index++;
      }
      const List = listPattern === BULLET ? 'ul' : 'ol';
      blocks.push(<List>{items.map((item) => <li>{renderInline(item)}</li>)}</List>);
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted: string[] = [];
      while (index < lines.length && QUOTE.test(at())) quoted.push(QUOTE.exec(lines[index++]!)![1]!);
      blocks.push(<blockquote>{renderMarkdown(quoted.join('\n'))}</blockquote>);
      continue;
    }
    const paragraph: string[] = [];
    while (index < lines.length && at().trim() !== '' && !FENCE.test(at()) && !HEADING.test(at()) && !BULLET.test(at()) && !NUMBERED.test(at()) && !QUOTE.test(at())) {
      paragraph.push(lines[index++]!);
    }
    blocks.push(<p>{renderInline(paragraph.join('\n'))}</p>);
  }
  return blocks;
}

export function Markdown(props: { text: string }) {
  return <div class="markdown">{renderMarkdown(props.text)}</div>;
}
