import { AuditLogEntry } from '../audit/audit-log-entry.entity';
import { Project } from '../projects/project.entity';
import { StripeConfig } from '../stripe-config/stripe-config.entity';
import { StripeWebhookEvent } from '../stripe-webhooks/stripe-webhook-event.entity';
import { User } from '../users/user.entity';
import { LEDGER_ENTITIES } from '../payments/ledger-entities';

/** Every entity, listed explicitly (no globs: the same list works under ts-node, jest and dist/). */
export const ENTITIES = [User, Project, StripeConfig, StripeWebhookEvent, AuditLogEntry, ...LEDGER_ENTITIES];
