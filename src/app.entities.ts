import type { DataSourceOptions } from 'typeorm';
import { AuditLogEntry } from './audit/audit-log-entry.entity';
import { buildDataSourceOptions, type DataSourceSettings } from './database/data-source-options';
import { LEDGER_ENTITIES } from './payments/ledger-entities';
import { Project } from './projects/project.entity';
import { StripeConfig } from './stripe-config/stripe-config.entity';
import { StripeWebhookEvent } from './stripe-webhooks/stripe-webhook-event.entity';
import { User } from './users/user.entity';

/**
 * Every entity of the service, listed explicitly (no globs: the same list works under ts-node, jest
 * and dist/). A feature with a table adds its entity here, and nowhere else.
 */
export const APP_ENTITIES = [User, Project, StripeConfig, StripeWebhookEvent, AuditLogEntry, ...LEDGER_ENTITIES];

/**
 * The service's DataSource options with its entities: shared by the app (AppModule), the TypeORM CLI
 * (ormconfig.ts), scripts and the test set-up.
 */
export function appDataSourceOptions(url: string, settings: DataSourceSettings = {}): DataSourceOptions {
  return buildDataSourceOptions(url, { ...settings, entities: APP_ENTITIES });
}
