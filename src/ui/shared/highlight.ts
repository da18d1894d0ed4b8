/** A small syntax highlighter: comments, strings, numbers and common keywords, enough to read code in a reply. */

export type TokenKind = 'comment' | 'string' | 'number' | 'keyword' | 'text';

export interface Token {
  kind: TokenKind;
  text: string;
}

const KEYWORDS = new Set(
  (
    'abstract and as async await break case catch class const continue def default defer del delete do elif else enum export extends false final finally fn for from func function go if impl import in instanceof interface is let loop match mod module mut new nil none not null or package private protected pub public raise return self select static struct super switch this throw true try type typeof undefined use var void while with yield True False None'
  ).split(' '),
);

// One alternative per token kind; whatever matches none of them is plain text.
const TOKEN = /(\/\/[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\/|--[^\n]*)|("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)|(\b\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?\b|\b0x[\da-f]+\b)|([A-Za-z_$][\w$]*)/gi;

/** Languages where `#` starts a comment, and where `--` does. */
const HASH_COMMENTS = /^(py|python|sh|bash|shell|zsh|rb|ruby|yaml|yml|toml|r|perl|pl|dockerfile|makefile|conf|ini)$/i;
const DASH_COMMENTS = /^(sql|lua|haskell|hs)$/i;

export function highlight(code: string, language = ''): Token[] {
  const tokens: Token[] = [];
  let last = 0;
  const push = (kind: TokenKind, text: string) => {
    if (text === '') return;
    const previous = tokens[tokens.length - 1];
    if (previous && previous.kind === kind) previous.text += text;
    else tokens.push({ kind, text });
  };
  const pattern = new RegExp(TOKEN.source, TOKEN.flags);
  for (let match = pattern.exec(code); match !== null; match = pattern.exec(code)) {
    const [whole, comment, string, number, word] = match;
    const start = match.index;
    push('text', code.slice(last, start));
    last = start + whole.length;
    if (comment !== undefined) {
      const isHash = comment.startsWith('#');
      const isDash = comment.startsWith('--');
      if ((isHash && !HASH_COMMENTS.test(language)) || (isDash && !DASH_COMMENTS.test(language))) {
        // Not a comment in this language: only its first character is consumed, the rest is read again.
        push('text', comment[0]!);
        last = start + 1;
        pattern.lastIndex = last;
        continue;
      }
      push('comment', comment);
    } else if (string !== undefined) push('string', string);
    else if (number !== undefined) push('number', number);
    else if (word !== undefined) push(KEYWORDS.has(word) ? 'keyword' : 'text', word);
  }
  push('text', code.slice(last));
  return tokens;
}
