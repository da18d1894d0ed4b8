import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ConfigFileError, ConfigPath } from './errors.js';

/** A parsed config text that can say on which line the node at a path starts. */
export interface ConfigSource {
  value: unknown;
  lineOf(path: ConfigPath): number | undefined;
}

/**
 * Parses YAML or JSON (JSON is YAML) keeping every node's position. JSON with `//` comments (as in the README of
 * openai-style-api, whose users copy it) is read with the comments removed; YAML would take them for text.
 */
export function parseConfigSource(text: string): { ok: true; source: ConfigSource } | { ok: false; errors: ConfigFileError[] } {
  const parsed = parseWithLines(isJsonWithLineComments(text) ? stripJsonLineComments(text) : text);
  if (parsed.document.errors.length === 0) return { ok: true, source: toSource(parsed) };
  return {
    ok: false,
    // Plain messages: yaml's pretty ones quote the source line, which may hold a secret.
    errors: parsed.document.errors.map((error) => ({
      path: '',
      line: parsed.lineCounter.linePos(error.pos[0]).line,
      message: `not valid YAML or JSON: ${error.message}`,
    })),
  };
}

function isJsonWithLineComments(text: string): boolean {
  if (!/^\s*[[{]/.test(text) || !text.includes('//')) return false;
  return !parsesAsJson(text) && parsesAsJson(stripJsonLineComments(text));
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

interface ParsedText {
  document: Document.Parsed;
  lineCounter: LineCounter;
}

function parseWithLines(text: string): ParsedText {
  const lineCounter = new LineCounter();
  // Merge keys and custom tags stay off: a config file is plain data.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: false });
  return { document, lineCounter };
}

function toSource({ document, lineCounter }: ParsedText): ConfigSource {
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  return {
    value: document.toJS({ maxAliasCount: 100 }),
    lineOf(path) {
      let node: unknown = document.contents;
      // The line of the nearest key or node on the way, so a missing field points at its parent.
      let line = nodeLine(node, lineAt);
      for (const segment of path) {
        if (isMap(node)) {
          const pair = node.items.find((item) => (isScalar(item.key) ? String(item.key.value) : String(item.key)) === String(segment));
          if (!pair) return line;
          line = nodeLine(pair.key, lineAt) ?? line;
          node = pair.value;
        } else if (isSeq(node) && typeof segment === 'number') {
          node = node.items[segment];
          if (node === undefined) return line;
          line = nodeLine(node, lineAt) ?? line;
        } else {
          return line;
        }
      }
      return line;
    },
  };
}

function nodeLine(node: unknown, lineAt: (offset: number) => number): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? lineAt(range[0]) : undefined;
}

/** Blanks out `//` comments outside strings, keeping every line where it was. */
export function stripJsonLineComments(text: string): string {
  let result = '';
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (inString) {
      result += char;
      if (char === '\\') result += text[++index] ?? '';
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
      result += char;
    } else if (char === '/' && text[index + 1] === '/') {
      while (index < text.length && text[index] !== '\n') index++;
      index--;
    } else {
      result += char;
    }
  }
  return result;
}
