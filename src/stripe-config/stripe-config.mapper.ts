import { CREDENTIAL_FIELDS } from '../stripe/stripe-keys';
import { StripeConfigResponse } from './dto/stripe-config.dto';
import { CREDENTIAL_COLUMNS, MODE_COLUMNS } from './stripe-config.entity';

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** What a response is built from: masked columns and flags only, never ciphertext or plaintext. */
export interface StripeConfigView {
  id: string;
  projectId: string;
  isActive: boolean;
  hasTestCredentials: boolean;
  hasLiveCredentials: boolean;
  testSecretKeyMasked: string | null;
  testPublishableKeyMasked: string | null;
  testWebhookSecretMasked: string | null;
  liveSecretKeyMasked: string | null;
  livePublishableKeyMasked: string | null;
  liveWebhookSecretMasked: string | null;
  testConfiguredAt: Date | null;
  liveConfiguredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** The two flags test the ciphertexts for null: no ciphertext is ever selected. */
const COMPUTED_COLUMNS: Record<string, (alias: string) => string> = {
  has_test_credentials: (alias) => `(${alias}.${CREDENTIAL_COLUMNS.test_secret_key.encrypted.column} IS NOT NULL)`,
  has_live_credentials: (alias) => `(${alias}.${CREDENTIAL_COLUMNS.live_secret_key.encrypted.column} IS NOT NULL)`,
};

/** The view's columns in raw SQL: `name` in SQL, `key` (its camelCase) in StripeConfigView. */
const VIEW_COLUMNS = [
  'id',
  'project_id',
  'is_active',
  'has_test_credentials',
  'has_live_credentials',
  ...CREDENTIAL_FIELDS.map((field) => CREDENTIAL_COLUMNS[field].masked.column),
  MODE_COLUMNS.test.configuredAt.column,
  MODE_COLUMNS.live.configuredAt.column,
  'created_at',
  'updated_at',
  'version',
].map((name) => ({
  name,
  key: camel(name),
  sql: COMPUTED_COLUMNS[name] ?? ((alias: string) => `${alias}.${name}`),
}));

/** The select list of a view, `alias` being the stripe_configs alias, each column named `<prefix><name>`. */
export function viewSqlColumns(alias: string, prefix: string): string {
  return VIEW_COLUMNS.map(({ name, sql }) => `${sql(alias)} AS ${prefix}${name}`).join(', ');
}

/** Per prefix, each column's name in a result row: built once, not concatenated on every request. */
const prefixedColumns = new Map<string, { column: string; key: string }[]>();

/** The view selected with viewSqlColumns(…, prefix), or null when the row has none (LEFT JOIN miss). */
export function viewOfRow(row: Record<string, unknown>, prefix: string): StripeConfigView | null {
  let columns = prefixedColumns.get(prefix);
  if (!columns) {
    columns = VIEW_COLUMNS.map(({ name, key }) => ({ column: prefix + name, key }));
    prefixedColumns.set(prefix, columns);
  }
  if (row[columns[0].column] == null) return null;
  const view: Record<string, unknown> = {};
  for (const { column, key } of columns) view[key] = row[column];
  return view as unknown as StripeConfigView;
}

/** Builds the response from masked columns only: no ciphertext or plaintext can reach it. */
export function toStripeConfigResponse(config: StripeConfigView): StripeConfigResponse {
  return Object.assign(new StripeConfigResponse(), {
    id: config.id,
    project_id: config.projectId,
    is_active: config.isActive,
    has_test_credentials: config.hasTestCredentials,
    has_live_credentials: config.hasLiveCredentials,
    test_secret_key_masked: config.testSecretKeyMasked,
    test_publishable_key_masked: config.testPublishableKeyMasked,
    test_webhook_secret_masked: config.testWebhookSecretMasked,
    live_secret_key_masked: config.liveSecretKeyMasked,
    live_publishable_key_masked: config.livePublishableKeyMasked,
    live_webhook_secret_masked: config.liveWebhookSecretMasked,
    test_configured_at: config.testConfiguredAt,
    live_configured_at: config.liveConfiguredAt,
    created_at: config.createdAt,
    updated_at: config.updatedAt,
    version: config.version,
  });
}
