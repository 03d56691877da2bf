import { type ConfigOf, defineConfig, positiveInteger } from '../config/config-area';

/**
 * AUDIT_MAX_ROWS_PER_MINUTE: audit rows written per project per minute; the writes beyond it are
 * still recorded, coalesced into one summary row per project and minute (`coalesced_writes`).
 */
export const DEFAULT_AUDIT_ROWS_PER_MINUTE = 60;

export const auditConfig = defineConfig('audit', (env, problems) => ({
  maxRowsPerMinute: positiveInteger(env, 'AUDIT_MAX_ROWS_PER_MINUTE', DEFAULT_AUDIT_ROWS_PER_MINUTE, problems),
}));
export type AuditConfig = ConfigOf<typeof auditConfig>;
