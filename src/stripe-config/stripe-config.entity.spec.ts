import { getMetadataArgsStorage } from 'typeorm';
import { CREDENTIAL_FIELDS } from '../stripe/stripe-keys';
import { CREDENTIAL_COLUMNS, MODE_COLUMNS, StripeConfig } from './stripe-config.entity';

/** The entity's columns as TypeORM records them: property → SQL name. */
function entityColumns(): Map<string, string> {
  const columns = getMetadataArgsStorage().columns.filter((c) => c.target === StripeConfig);
  return new Map(columns.map((c) => [c.propertyName, c.options.name ?? c.propertyName]));
}

describe('stripe_configs column map', () => {
  it('names every credential column exactly as the entity maps it', () => {
    const columns = entityColumns();
    for (const field of CREDENTIAL_FIELDS) {
      for (const column of [CREDENTIAL_COLUMNS[field].encrypted, CREDENTIAL_COLUMNS[field].masked]) {
        expect(columns.get(column.property)).toBe(column.column);
      }
    }
    for (const mode of ['test', 'live'] as const) {
      for (const column of Object.values(MODE_COLUMNS[mode])) expect(columns.get(column.property)).toBe(column.column);
    }
  });

  it('lists every ciphertext column of the entity (key rotation rotates exactly these)', () => {
    const encrypted = [...entityColumns().values()].filter((name) => name.endsWith('_encrypted'));
    expect(encrypted.sort()).toEqual(CREDENTIAL_FIELDS.map((f) => CREDENTIAL_COLUMNS[f].encrypted.column).sort());
  });
});
