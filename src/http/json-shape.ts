/**
 * What a JSON text becomes once parsed, read from its bytes without parsing it: how many values it
 * holds (every value, object key included) and how deeply they nest. One pass over the bytes, no
 * allocation: the cheap check that runs before JSON.parse, whose result (objects, arrays, strings) can
 * take far more memory than the text (see docs/security.md, "Memory per request").
 *
 * The text need not be valid JSON: the scan only bounds what a parser could build from it. Structural
 * characters are ASCII, and in UTF-8 no byte of a multi-byte character is ASCII, so a UTF-8 text is
 * scanned byte by byte; a text in another charset is re-encoded to UTF-8 first (jsonShapeOfText).
 */
export interface JsonShape {
  /** Values, object keys included. */
  elements: number;
  /** Deepest nesting of objects and arrays (a scalar at the top: 0). */
  depth: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * The shape of a UTF-8 JSON text. Stops early (with what it counted so far) once the elements exceed
 * `stopAbove.elements` or the depth exceeds `stopAbove.depth`: a caller that refuses beyond them needs
 * no exact count.
 */
export function jsonShape(
  bytes: Uint8Array,
  stopAbove: { elements: number; depth: number } = { elements: Infinity, depth: Infinity },
): JsonShape {
  let elements = 0;
  let depth = 0;
  let maxDepth = 0;
  let inString = false;
  // A value (or a key) may start at the next non-blank byte: at the start, after [ { , and :.
  let expectValue = true;
  const length = bytes.length;
  for (let i = 0; i < length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (isWhitespace(byte)) continue;
    if (expectValue && byte !== CLOSE_BRACE && byte !== CLOSE_BRACKET) {
      if (++elements > stopAbove.elements) break;
    }
    expectValue = false;
    switch (byte) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_BRACE:
      case OPEN_BRACKET:
        expectValue = true;
        if (++depth > maxDepth) {
          maxDepth = depth;
          if (maxDepth > stopAbove.depth) return { elements, depth: maxDepth };
        }
        break;
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        if (depth > 0) depth--;
        break;
      case COMMA:
      case COLON:
        expectValue = true;
        break;
    }
  }
  return { elements, depth: maxDepth };
}

/**
 * Heap a parsed JSON text can take, at most, per value and per byte of text: measured over the worst
 * shapes found (scripts/measure-json-expansion.ts; the figures are in docs/security.md). An empty
 * object takes 64 bytes of heap for the 3 bytes of `{},`; a string's characters take at most one byte
 * of heap per byte of text (Latin-1 one byte each, any other character two bytes for its two or more
 * bytes of UTF-8), plus its header, counted with the values.
 */
export const PARSED_BYTES_PER_ELEMENT = 64;
const PARSED_BYTES_PER_TEXT_BYTE = 1;

/** The heap JSON.parse may build from a text of this shape and size (see the constants above). */
export function parsedSizeBound(shape: JsonShape, textBytes: number): number {
  return shape.elements * PARSED_BYTES_PER_ELEMENT + textBytes * PARSED_BYTES_PER_TEXT_BYTE;
}
