import type { ProjectPreload } from '../projects/project-preload';
import { StripeConfigView, viewOfRow, viewSqlColumns } from './stripe-config.mapper';

/**
 * GET config's read, joined into the ownership guard's query: one round trip for auth, ownership and
 * the config. Masked columns only (the ciphertexts are tested for null, never selected).
 */
export const STRIPE_CONFIG_PRELOAD: ProjectPreload<StripeConfigView | null> = {
  name: 'stripe_config',
  join: 'LEFT JOIN stripe_configs sc ON sc.project_id = p.id',
  columns: viewSqlColumns('sc', 'sc_'),
  read: (row) => viewOfRow(row, 'sc_'),
};
