import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): in a name shown to
 * other people or in logs and dashboards they reorder what is displayed (`invoice\u202Efdp.exe` reads
 * as `invoiceexe.pdf`). The plain marks LRM (U+200E) and RLM (U+200F), which only nudge the direction
 * of neutral characters, stay allowed: names in right-to-left scripts need them.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/;

function hasBidiControls(text: string): boolean {
  return BIDI_CONTROLS.test(text);
}

const NO_BIDI_CONTROLS = 'noBidiControls';

/**
 * Refuses a string holding a bidirectional override or isolate (422 `value_error`), for text the
 * service shows back as a name or description. Other values are left to the other validators.
 */
export const NoBidiControls = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: NO_BIDI_CONTROLS,
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !hasBidiControls(value),
        defaultMessage: () =>
          'Input should not contain bidirectional override or isolate characters (U+202A to U+202E, U+2066 to U+2069)',
      },
    },
    options,
  );
