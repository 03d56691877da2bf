/**
 * Text PostgreSQL cannot store: a NUL character (refused by `text`/`varchar` and by `jsonb` as
 * `\u0000`), and an unpaired UTF-16 surrogate (`"\ud800"` in JSON; refused by `jsonb`, and silently
 * turned into U+FFFD in `text`). Input carrying either is refused rather than stored altered or
 * answered with a 500.
 */
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** The text with every NUL and surrogate replaced by `?`: safe to put in a message or a log line. */
export function withoutUnstorable(text: string): string {
  // eslint-disable-next-line no-control-regex -- replacing NUL is the point
  return text.replace(/[\u0000\uD800-\uDFFF]/g, '?');
}

export type UnstorableReason = 'text' | 'depth';

export interface UnstorableInput {
  /** Where: the keys and indexes from the root (a bad key is reported at its own position). */
  path: (string | number)[];
  reason: UnstorableReason;
}

/**
 * The first string (value or object key) that PostgreSQL cannot store, or the first value nested
 * deeper than `maxDepth`, in a JSON-like value. Iterative, so any depth is safe to walk.
 */
export function findUnstorableInput(root: unknown, maxDepth: number): UnstorableInput | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: root, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (!isStorableText(value)) return { path, reason: 'text' };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= maxDepth) return { path, reason: 'depth' };
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
      continue;
    }
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      if (!isStorableText(key)) return { path: [...path, key], reason: 'text' };
      stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return undefined;
}
