/**
 * The object under the last `"key":` in JSON text, parsed alone: the usage of a long answer is read without
 * parsing the answer. A key with unescaped quotes cannot be inside a string value. Undefined when the last
 * occurrence is not an object (`"usage": null`) or is cut off.
 */
export function lastObjectOfKey(text: string, key: string): unknown {
  return objectOfKeyAt(text, text.lastIndexOf(`"${key}"`));
}

/** The same for the first `"key":` in the text. */
export function firstObjectOfKey(text: string, key: string): unknown {
  return objectOfKeyAt(text, text.indexOf(`"${key}"`));
}

function objectOfKeyAt(text: string, at: number): unknown {
  if (at < 0) return undefined;
  const start = text.indexOf('{', at);
  const colon = text.indexOf(':', at);
  if (start < 0 || colon < 0 || text.slice(colon + 1, start).trim() !== '') return undefined;
  // Found by counting braces with the string search, which a brace inside a string can mislead; but a wrong end
  // never parses (an object's end is where its text stops being a prefix of JSON), and then the exact scan decides.
  return parsedObject(text, start, bracesEnd(text, start)) ?? parsedObject(text, start, objectEnd(text, start));
}

function parsedObject(text: string, start: number, end: number): unknown {
  if (end < 0) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1)) as unknown;
  } catch {
    return undefined;
  }
}

/** Where the object that opens at `start` closes when no string in it holds a brace; -1 when it does not close. */
function bracesEnd(text: string, start: number): number {
  let depth = 1;
  let nextOpen = text.indexOf('{', start + 1);
  let from = start + 1;
  for (;;) {
    const close = text.indexOf('}', from);
    if (close < 0) return -1;
    while (nextOpen >= 0 && nextOpen < close) {
      depth++;
      nextOpen = text.indexOf('{', nextOpen + 1);
    }
    if (--depth === 0) return close;
    from = close + 1;
  }
}

const STRING_VALUE = /\s*:\s*"((?:[^"\\]|\\.)*)"/y;

/** The string value of the last `"key":` in JSON text (escapes left as they are), or undefined when it is not a string. */
export function lastStringOfKey(text: string, key: string): string | undefined {
  const at = text.lastIndexOf(`"${key}"`);
  if (at < 0) return undefined;
  STRING_VALUE.lastIndex = at + key.length + 2;
  return STRING_VALUE.exec(text)?.[1];
}

/** The index of the `}` closing the object that opens at `start`, or -1. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c) index++;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b) depth++;
    else if (char === 0x7d && --depth === 0) return index;
  }
  return -1;
}
