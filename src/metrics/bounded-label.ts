/** The label value every value past a label's cap is folded into. */
export const OTHER = 'other';

/**
 * Keeps a label's values bounded: the first `cap` distinct values are kept as they are, every later one becomes
 * `other`, so that clients naming random models or keys cannot grow the number of series without end.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly cap: number) {}

  value(raw: string): string {
    if (this.seen.has(raw)) return raw;
    if (this.seen.size >= this.cap) return OTHER;
    this.seen.add(raw);
    return raw;
  }
}

/**
 * Values bound to one combination of label values (prom-client children), found through one map per label
 * instead of a key string built per call, and made once per combination.
 */
export class LabelledChildren<Children> {
  private readonly root = new Map<string, unknown>();

  constructor(private readonly create: (values: readonly string[]) => Children) {}

  /** The children for these label values, always given in the same order and number. */
  get(...values: string[]): Children {
    let level = this.root;
    const lastIndex = values.length - 1;
    for (let index = 0; index < lastIndex; index++) {
      let next = level.get(values[index]!) as Map<string, unknown> | undefined;
      if (!next) {
        next = new Map();
        level.set(values[index]!, next);
      }
      level = next;
    }
    const last = values[lastIndex]!;
    let children = level.get(last) as Children | undefined;
    if (children === undefined) {
      children = this.create(values);
      level.set(last, children);
    }
    return children;
  }
}
