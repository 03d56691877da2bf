/**
 * Stripe credential shapes. A prefix followed by a body of letters and digits; the body is what
 * must never leave the service.
 */
export const STRIPE_SECRET_PATTERN = /((?:sk|rk|pk)_(?:test|live)_|whsec_)([A-Za-z0-9]{4,})/g;

/** `sk_test_abcdef1234` → `sk_test_...1234`. Values that are not Stripe credentials get a generic mask. */
export function maskCredential(value: string): string {
  const match = /^((?:sk|rk|pk)_(?:test|live)_|whsec_)([A-Za-z0-9]+)$/.exec(value);
  if (match) return `${match[1]}...${match[2].slice(-4)}`;
  return value.length > 4 ? `...${value.slice(-4)}` : '...';
}

/** Replaces every Stripe credential inside a free text with its masked form. */
export function maskSecretsInText(text: string): string {
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

/** Deeply masks every string in a JSON-like value. Returns the same reference if nothing changed. */
export function maskSecretsDeep<T>(value: T, options: DeepMaskOptions = {}, seen = new WeakSet<object>()): T {
  if (typeof value === 'string') return maskSecretsInText(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  if (seen.has(value as object) || options.skip?.(value as object)) return value;
  seen.add(value as object);
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const masked = maskSecretsDeep(item, options, seen);
      if (masked !== item) changed = true;
      return masked;
    });
    return (changed ? out : value) as T;
  }
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const censored = item != null && options.censorKeys?.has(key.toLowerCase());
    const masked = censored ? options.censor : maskSecretsDeep(item, options, seen);
    if (masked !== item) changed = true;
    out[key] = masked;
  }
  // Keep class instances (e.g. response DTOs) intact when nothing needed masking.
  return (changed ? out : value) as T;
}
