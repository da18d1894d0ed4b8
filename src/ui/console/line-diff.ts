export interface DiffLine {
  kind: 'same' | 'add' | 'del';
  text: string;
}

/** Beyond this many lines on either side the diff shows every line as changed rather than spend quadratic time. */
const MAX_LINES = 4000;

/** A line diff by longest common subsequence: what `after` removes from and adds to `before`, in order. */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length > MAX_LINES || b.length > MAX_LINES) {
    return [...a.map((text) => ({ kind: 'del' as const, text })), ...b.map((text) => ({ kind: 'add' as const, text }))];
  }
  // common[i][j]: the longest common subsequence of a[i..] and b[j..], in one flat array.
  const width = b.length + 1;
  const common = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i * width + j] = a[i] === b[j] ? common[(i + 1) * width + j + 1]! + 1 : Math.max(common[(i + 1) * width + j]!, common[i * width + j + 1]!);
    }
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      lines.push({ kind: 'same', text: a[i]! });
      i++;
      j++;
    } else if (common[(i + 1) * width + j]! >= common[i * width + j + 1]!) {
      lines.push({ kind: 'del', text: a[i++]! });
    } else {
      lines.push({ kind: 'add', text: b[j++]! });
    }
  }
  while (i < a.length) lines.push({ kind: 'del', text: a[i++]! });
  while (j < b.length) lines.push({ kind: 'add', text: b[j++]! });
  return lines;
}

/** Only the changed lines with `context` unchanged lines around each change; skipped runs become one '…' line. */
export function changesWithContext(lines: DiffLine[], context = 3): (DiffLine | null)[] {
  const keep = lines.map((line) => line.kind !== 'same');
  const near = lines.map((_, index) => keep.slice(Math.max(0, index - context), index + context + 1).some(Boolean));
  const shown: (DiffLine | null)[] = [];
  lines.forEach((line, index) => {
    if (near[index]) shown.push(line);
    else if (shown[shown.length - 1] !== null) shown.push(null);
  });
  return shown;
}

/**
 * The line (1-based) of the value at `path` (`routes.gpt-4o.targets[0].weight`) in JSON pretty-printed with two
 * spaces; the deepest part of the path found when the rest is not there.
 */
export function lineOfPath(text: string, path: string): number {
  const lines = text.split('\n');
  const segments = [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((match) => (match[2] === undefined ? match[1]! : Number(match[2])));
  let line = 0;
  let indent = 0;
  const indentOf = (index: number) => lines[index]!.length - lines[index]!.trimStart().length;
  for (const segment of segments) {
    let found = -1;
    let items = 0;
    for (let index = line + 1; index < lines.length; index++) {
      const depth = indentOf(index);
      if (depth <= indent) break;
      if (depth !== indent + 2) continue;
      const content = lines[index]!.trimStart();
      if (typeof segment === 'string') {
        if (content.startsWith(`${JSON.stringify(segment)}:`)) {
          found = index;
          break;
        }
      } else if (!content.startsWith('}') && !content.startsWith(']')) {
        if (items++ === segment) {
          found = index;
          break;
        }
      }
    }
    if (found < 0) break;
    line = found;
    indent = indentOf(found);
  }
  return line + 1;
}
