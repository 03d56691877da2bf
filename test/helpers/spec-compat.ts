/**
 * Compares one operation of two OpenAPI documents by meaning: path parameters, request and response
 * property names, types, formats, nullability (3.0 `nullable` or 3.1 `null` type/anyOf alike),
 * required lists and success statuses. Titles, descriptions and examples are not compared; where the
 * reference allows anything (`{}`) or any string, a more precise schema or an enum of ours is accepted.
 */
type JsonObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Canonical {
  types: string[];
  format?: string;
  enum?: string[];
  properties?: Record<string, Canonical>;
  required?: string[];
  items?: Canonical;
  /** Alternatives that are not just "T or null". */
  anyOf?: Canonical[];
}

function resolve(doc: JsonObject, schema: JsonObject, seen: Set<string>): JsonObject {
  let current = schema;
  while (current && typeof current.$ref === 'string') {
    if (seen.has(current.$ref)) return {};
    seen = new Set(seen).add(current.$ref);
    const target = current.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce(
        (node: JsonObject | undefined, part: string) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')],
        doc,
      );
    current = target ?? {};
  }
  return current;
}

export function canonical(doc: JsonObject, raw: JsonObject | undefined, seen = new Set<string>()): Canonical {
  const schema = resolve(doc, raw ?? {}, seen);
  const types = new Set<string>(Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []);
  if (schema.nullable === true) types.add('null');
  const result: Canonical = { types: [] };
  const alternatives: Canonical[] = [];
  for (const member of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])] as JsonObject[]) {
    const c = canonical(doc, member, seen);
    if (c.types.length === 1 && c.types[0] === 'null' && !c.properties) types.add('null');
    else alternatives.push(c);
  }
  if (alternatives.length === 1) {
    // `anyOf [T, null]`: the meaning is T, nullable.
    const [only] = alternatives;
    only.types.forEach((t) => types.add(t));
    Object.assign(result, { ...only, types: [] });
  } else if (alternatives.length > 1) {
    const simple = alternatives.every((a) => Object.keys(a).length === 1);
    if (simple) alternatives.forEach((a) => a.types.forEach((t) => types.add(t)));
    else result.anyOf = alternatives;
  }
  for (const member of (schema.allOf ?? []) as JsonObject[]) {
    const c = canonical(doc, member, seen);
    c.types.forEach((t) => types.add(t));
    if (c.properties) result.properties = { ...result.properties, ...c.properties };
    if (c.required) result.required = [...new Set([...(result.required ?? []), ...c.required])].sort();
  }
  if (schema.properties) {
    result.properties = { ...result.properties };
    for (const [name, prop] of Object.entries(schema.properties as JsonObject)) {
      result.properties[name] = canonical(doc, prop, seen);
    }
    types.add('object');
  }
  if (schema.required) result.required = [...new Set([...(result.required ?? []), ...schema.required])].sort();
  if (schema.items) result.items = canonical(doc, schema.items, seen);
  if (schema.format) result.format = schema.format;
  if (schema.enum) result.enum = (schema.enum as unknown[]).map(String).sort();
  result.types = [...types].sort();
  return result;
}

const show = (value: unknown) => (value === undefined ? 'none' : JSON.stringify(value));

/** The reference's `{}`: any JSON. Whatever we document instead is a narrowing, not a difference. */
const isAnything = (c: Canonical) => Object.keys(c).length === 1 && c.types.length === 0;

/**
 * `direction: 'response'`: a response may require more than the reference (a field the reference
 * calls optional that is always sent, null or not) -- every client of the reference reads it as before.
 */
export function diffSchemas(
  ours: Canonical,
  ref: Canonical,
  at: string,
  direction: 'request' | 'response' = 'request',
): string[] {
  if (isAnything(ref)) return [];
  const out: string[] = [];
  if (show(ours.types) !== show(ref.types)) out.push(`${at}: type ${show(ours.types)}, reference ${show(ref.types)}`);
  if (ours.format !== ref.format) out.push(`${at}: format ${show(ours.format)}, reference ${show(ref.format)}`);
  // Listing the allowed values where the reference says only "string" (e.g. mode test|live) is allowed.
  if (ref.enum && show(ours.enum) !== show(ref.enum))
    out.push(`${at}: enum ${show(ours.enum)}, reference ${show(ref.enum)}`);
  if (ours.properties || ref.properties) {
    const mine = ours.properties ?? {};
    const theirs = ref.properties ?? {};
    for (const name of Object.keys(theirs)) if (!(name in mine)) out.push(`${at}.${name}: missing (reference has it)`);
    for (const name of Object.keys(mine)) if (!(name in theirs)) out.push(`${at}.${name}: not in the reference`);
    for (const name of Object.keys(theirs)) {
      if (name in mine) out.push(...diffSchemas(mine[name], theirs[name], `${at}.${name}`, direction));
    }
  }
  const requiresMore =
    direction === 'response' && (ref.required ?? []).every((name) => (ours.required ?? []).includes(name));
  if (!requiresMore && show(ours.required ?? []) !== show(ref.required ?? [])) {
    out.push(`${at}: required ${show(ours.required ?? [])}, reference ${show(ref.required ?? [])}`);
  }
  if (ours.items || ref.items) {
    if (!ours.items || !ref.items) out.push(`${at}[]: items ${show(!!ours.items)}, reference ${show(!!ref.items)}`);
    else out.push(...diffSchemas(ours.items, ref.items, `${at}[]`, direction));
  }
  if (ours.anyOf || ref.anyOf) {
    const a = ours.anyOf ?? [];
    const b = ref.anyOf ?? [];
    if (a.length !== b.length) out.push(`${at}: ${a.length} alternatives, reference ${b.length}`);
    else a.forEach((alt, i) => out.push(...diffSchemas(alt, b[i], `${at}|${i}`, direction)));
  }
  return out;
}

const jsonSchemaOf = (holder: JsonObject | undefined) => holder?.content?.['application/json']?.schema;

/** Every difference between our operation and the reference's; empty when they agree. */
export function diffOperation(ours: JsonObject, ref: JsonObject, path: string, method: string): string[] {
  const at = `${method.toUpperCase()} ${path}`;
  const mine = ours.paths?.[path]?.[method];
  const theirs = ref.paths?.[path]?.[method];
  if (!theirs) return [`${at}: not in the reference`];
  if (!mine) return [`${at}: missing`];
  const out: string[] = [];

  const params = (op: JsonObject) =>
    new Map(((op.parameters ?? []) as JsonObject[]).map((p) => [`${p.in} ${p.name}`, p] as const));
  const [ourParams, refParams] = [params(mine), params(theirs)];
  for (const [key, p] of refParams) {
    const q = ourParams.get(key);
    if (!q) {
      out.push(`${at} parameter ${key}: missing`);
      continue;
    }
    if (!!q.required !== !!p.required)
      out.push(`${at} parameter ${key}: required ${!!q.required}, reference ${!!p.required}`);
    out.push(...diffSchemas(canonical(ours, q.schema), canonical(ref, p.schema), `${at} parameter ${key}`));
  }
  // An extra optional parameter (e.g. If-Match) changes nothing for a client built from the reference.
  for (const [key, q] of ourParams) {
    if (!refParams.has(key) && q.required) out.push(`${at} parameter ${key}: not in the reference`);
  }

  if (!!mine.requestBody !== !!theirs.requestBody) {
    out.push(
      `${at} request body: ${mine.requestBody ? 'present' : 'absent'}, reference ${theirs.requestBody ? 'present' : 'absent'}`,
    );
  } else if (theirs.requestBody) {
    const [a, b] = [resolve(ours, mine.requestBody, new Set()), resolve(ref, theirs.requestBody, new Set())];
    if (!!a.required !== !!b.required)
      out.push(`${at} request body: required ${!!a.required}, reference ${!!b.required}`);
    for (const type of Object.keys(b.content ?? {})) {
      if (!a.content?.[type]) out.push(`${at} request body: no ${type}`);
    }
    if (jsonSchemaOf(b)) {
      out.push(...diffSchemas(canonical(ours, jsonSchemaOf(a)), canonical(ref, jsonSchemaOf(b)), `${at} request body`));
    }
  }

  const success = (op: JsonObject) =>
    Object.keys(op.responses ?? {})
      .filter((s) => /^2/.test(s))
      .sort();
  if (show(success(mine)) !== show(success(theirs))) {
    out.push(`${at}: success status ${show(success(mine))}, reference ${show(success(theirs))}`);
  }
  for (const [status, refResponse] of Object.entries((theirs.responses ?? {}) as JsonObject)) {
    const ourResponse = mine.responses?.[status];
    if (!ourResponse) {
      out.push(`${at} response ${status}: missing`);
      continue;
    }
    const [a, b] = [
      jsonSchemaOf(resolve(ours, ourResponse, new Set())),
      jsonSchemaOf(resolve(ref, refResponse, new Set())),
    ];
    if (!!a !== !!b)
      out.push(
        `${at} response ${status}: JSON body ${a ? 'present' : 'absent'}, reference ${b ? 'present' : 'absent'}`,
      );
    else if (b) out.push(...diffSchemas(canonical(ours, a), canonical(ref, b), `${at} response ${status}`, 'response'));
  }
  return out;
}
