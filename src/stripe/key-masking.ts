import { CREDENTIAL_PREFIX_SOURCE } from './stripe-keys';

/**
 * Anything with a credential prefix and at least 4 letters or digits after it, anywhere in a text.
 * Wider than an accepted credential (8 or more): masking errs on the side of hiding.
 */
const STRIPE_SECRET_PATTERN = new RegExp(`(${CREDENTIAL_PREFIX_SOURCE})([A-Za-z0-9]{4,})`, 'g');
const WHOLE_CREDENTIAL = new RegExp(`^(${CREDENTIAL_PREFIX_SOURCE})([A-Za-z0-9]+)$`);

/** `sk_test_abcdef1234` → `sk_test_...1234`. Values that are not Stripe credentials get a generic mask. */
export function maskCredential(value: string): string {
  const match = WHOLE_CREDENTIAL.exec(value);
  if (match) return `${match[1]}...${match[2].slice(-4)}`;
  return value.length > 4 ? `...${value.slice(-4)}` : '...';
}

/** Replaces every Stripe credential inside a free text with its masked form. */
export function maskSecretsInText(text: string): string {
  // Every shape has a `_` (sk_test_, whsec_): most strings (ids, dates, names) are returned at once.
  if (!text.includes('_')) return text;
  return text.replace(STRIPE_SECRET_PATTERN, (_whole, prefix: string, body: string) => {
    // An already masked value ("sk_test_...aBcD") does not match: "..." is not alphanumeric.
    return `${prefix}...${body.slice(-4)}`;
  });
}

/** What maskSecretsDeep does besides masking Stripe key shapes in strings. */
export interface DeepMaskOptions {
  /** Lower-cased keys whose non-null values become `censor`, at any depth. */
  censorKeys?: ReadonlySet<string>;
  censor?: string;
  /** Objects returned as they are, not walked. */
  skip?: (value: object) => boolean;
}

/**
 * Deeply masks every string in a JSON-like value. Returns the same reference if nothing changed.
 * It runs on every response (MaskingInterceptor) and log line: no copy is made until a value changes.
 */
export function maskSecretsDeep<T>(value: T, options: DeepMaskOptions = {}, seen?: WeakSet<object>): T {
  if (typeof value === 'string') return maskSecretsInText(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const visited = seen ?? new WeakSet<object>();
  if (visited.has(value as object) || options.skip?.(value as object)) return value;
  visited.add(value as object);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const masked = maskSecretsDeep(value[i] as unknown, options, visited);
      if (masked !== value[i]) (out ??= value.slice())[i] = masked;
    }
    return (out ?? value) as T;
  }
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const item = source[key];
    const censored = item != null && options.censorKeys?.has(key.toLowerCase());
    const masked = censored ? options.censor : maskSecretsDeep(item, options, visited);
    if (!out && masked !== item) {
      // The first change: a plain copy of the keys before it, in order; every later key is copied too.
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]] = source[keys[j]];
    }
    if (out) out[key] = masked;
  }
  // Class instances (e.g. response DTOs) stay intact when nothing needed masking.
  return (out ?? value) as T;
}
