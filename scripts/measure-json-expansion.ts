/**
 * Heap that JSON.parse builds from a body of each shape an attacker might send, per byte of text and
 * per value (as src/http/json-shape.ts counts values): the measurements behind PARSED_BYTES_PER_ELEMENT
 * and the memory budget (docs/security.md, "Memory per request").
 *
 *   node --expose-gc -r ts-node/register/transpile-only scripts/measure-json-expansion.ts [bytes]
 */
import { jsonShape } from '../src/http/json-shape';

const N = Number(process.argv[2] ?? 65536);
const gc =
  (globalThis as { gc?: () => void }).gc ??
  (() => {
    throw new Error('run with node --expose-gc');
  });
function fill(open: string, item: string, close: string, sep = ','): string {
  let s = open;
  let first = true;
  while (s.length + item.length + 2 < N) {
    s += (first ? '' : sep) + item;
    first = false;
  }
  return s + close;
}
const shapes = {
  'empty objects [{},...]': () => fill('[', '{}', ']'),
  'empty arrays [[],...]': () => fill('[', '[]', ']'),
  'zeros [0,...]': () => fill('[', '0', ']'),
  'doubles [0.5,...]': () => fill('[', '0.5', ']'),
  'long numbers [1e308,...]': () => fill('[', '1.7976931348623157e308', ']'),
  'mixed [0,0.5,...]': () => {
    let s = '[';
    let i = 0;
    while (s.length < N - 8) {
      s += (i ? ',' : '') + (i % 2 ? '0.5' : '0');
      i++;
    }
    return s + ']';
  },
  'nulls [null,...]': () => fill('[', 'null', ']'),
  'short strings ["ab",...]': () => {
    let s = '[';
    let i = 0;
    while (s.length < N - 10) {
      s += (i ? ',' : '') + '"' + (i++).toString(36) + '"';
    }
    return s + ']';
  },
  'many keys {"a":0,...}': () => {
    let s = '{';
    let i = 0;
    while (s.length < N - 16) {
      s += (i ? ',' : '') + '"' + (i++).toString(36) + '":0';
    }
    return s + '}';
  },
  'objects with one key [{"a":0},...]': () => fill('[', '{"a":0}', ']'),
  'objects with distinct key [{"k1":0},...]': () => {
    let s = '[';
    let i = 0;
    while (s.length < N - 16) {
      s += (i ? ',' : '') + '{"' + (i++).toString(36) + '":0}';
    }
    return s + ']';
  },
  'deep nesting [[[...]]]': () => {
    const d = Math.floor((N - 2) / 2);
    return '['.repeat(d) + ']'.repeat(d);
  },
  'deep objects {"a":{"a":...}}': () => {
    const d = Math.floor((N - 2) / 6);
    return '{"a":'.repeat(d) + '0' + '}'.repeat(d);
  },
  'one long string': () => JSON.stringify('x'.repeat(N - 2)),
  'escaped \\u strings': () => JSON.stringify('\u1234'.repeat(Math.floor((N - 2) / 6))).replace(/\u1234/g, '\\u1234'),
  'utf8 3-byte chars': () => JSON.stringify('\u1234'.repeat(Math.floor((N - 2) / 3))),
};
const results: Record<string, unknown>[] = [];
for (const [name, make] of Object.entries(shapes)) {
  const text = make();
  const bytes = Buffer.byteLength(text);
  const { elements, depth } = jsonShape(Buffer.from(text));
  const keep: unknown[] = [];
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  let ok = true;
  try {
    for (let r = 0; r < 10; r++) keep.push(JSON.parse(text));
  } catch {
    ok = false;
  }
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  const per = (after - before) / 10;
  results.push({
    shape: name,
    bytes,
    elements,
    depth,
    heapPerBody: Math.round(per),
    perByte: +(per / bytes).toFixed(1),
    perElement: elements ? +(per / elements).toFixed(1) : null,
    ok,
  });
  keep.length = 0;
}
console.table(results);
