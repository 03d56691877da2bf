import { domainToASCII } from 'node:url';

/**
 * Characters that show nothing (or reorder what is shown) and so let two accounts look alike:
 * controls, format characters (zero-width space and joiners, bidi controls, soft hyphen, BOM), default
 * ignorables (variation selectors, Hangul fillers...), separators, private-use, unassigned and lone
 * surrogates, and the blank Braille pattern.
 */
const INVISIBLE =
  /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Z}\p{Default_Ignorable_Code_Point}\u2800\u3164\uffa0\u115f\u1160]/u;

/** Scripts told apart in a local part (any other counts as one "Other"). */
const SCRIPT_NAMES = `Latin Greek Cyrillic Armenian Hebrew Arabic Syriac Thaana Nko Devanagari Bengali Gurmukhi Gujarati
  Oriya Tamil Telugu Kannada Malayalam Sinhala Thai Lao Tibetan Myanmar Georgian Hangul Ethiopic Cherokee
  Canadian_Aboriginal Ogham Runic Khmer Mongolian Hiragana Katakana Bopomofo Han Yi Tifinagh Coptic Glagolitic
  Javanese Balinese Sundanese Vai Bamum Adlam Ol_Chiki Lisu Cham Gothic`.split(/\s+/);
const SCRIPTS = SCRIPT_NAMES.map((name): [string, RegExp] => [name, new RegExp(`\\p{Script=${name}}`, 'u')]);
/** Written together: Japanese mixes Han and kana, Korean Han and Hangul, Chinese Han and Bopomofo, all with Latin. */
const CJK = new Set(['Han', 'Hiragana', 'Katakana', 'Hangul', 'Bopomofo']);
const LETTER_OR_MARK = /[\p{L}\p{M}\p{N}]/u;
const NEUTRAL = /[\p{Script=Common}\p{Script=Inherited}]/u;

/**
 * The one stored and compared form of an email address: NFKC (full-width and compatibility forms
 * become plain ones), trimmed, lower-cased, and the domain in IDNA ASCII form (`bücher.de` and
 * `xn--bcher-kva.de` are one domain). An address with invisible characters is only NFKC'd and
 * lower-cased (registration refuses it; login then finds no account).
 */
export function normalizeEmail(raw: string): string {
  const text = raw.trim().normalize('NFKC').toLowerCase().normalize('NFKC');
  const at = text.lastIndexOf('@');
  if (at <= 0 || INVISIBLE.test(text)) return text;
  const domain = domainToASCII(text.slice(at + 1));
  return domain ? `${text.slice(0, at)}@${domain}` : text;
}

/** Why an address (as sent) cannot name a new account, or null: invisible characters, or a local part mixing scripts. */
export function emailLookAlikeProblem(raw: string): string | null {
  const text = raw.trim().normalize('NFKC');
  if (INVISIBLE.test(text)) return 'value contains invisible, control or formatting characters';
  const local = text.slice(0, Math.max(text.lastIndexOf('@'), 0));
  const scripts = new Set<string>();
  for (const char of local) {
    if (!LETTER_OR_MARK.test(char) || NEUTRAL.test(char)) continue;
    const script = SCRIPTS.find(([, pattern]) => pattern.test(char))?.[0] ?? 'Other';
    scripts.add(CJK.has(script) ? 'CJK' : script);
  }
  const mixed = scripts.size > 1 && !(scripts.size === 2 && scripts.has('Latin') && scripts.has('CJK'));
  return mixed
    ? `the part before @ mixes scripts (${[...scripts].join(', ')}), which makes look-alike addresses`
    : null;
}
