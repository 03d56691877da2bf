import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { StripeMode } from '../stripe-config/stripe-credential-fields';
import { StripeWebhookEvent } from './stripe-webhook-event.entity';

export interface NewWebhookEvent {
  mode: StripeMode;
  eventId: string;
  eventType: string;
  stripeCreatedAt: Date;
  payload: Record<string, unknown>;
}

export interface WebhookEventFilter {
  mode?: StripeMode;
  type?: string;
  page: number;
  pageSize: number;
}

/** All SQL on stripe_webhook_events. Every method is keyed by the project id. */
@Injectable()
export class StripeWebhookEventsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Stores the event unless this project already has it for this mode; `false` for a redelivery.
   * `ON CONFLICT DO NOTHING` on the unique (project_id, mode, event_id): concurrent copies store one row.
   */
  async insertOnce(projectId: string, event: NewWebhookEvent): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(StripeWebhookEvent)
      .values({ projectId, ...event } as QueryDeepPartialEntity<StripeWebhookEvent>)
      .orIgnore()
      .returning('id')
      .execute();
    return (result.raw as unknown[]).length > 0;
  }

  /** One page of the project's events, newest received first, and the total matching the filter. */
  list(projectId: string, filter: WebhookEventFilter): Promise<[StripeWebhookEvent[], number]> {
    const query = this.dataSource
      .getRepository(StripeWebhookEvent)
      .createQueryBuilder('event')
      .where('event.project_id = :projectId', { projectId });
    if (filter.mode) query.andWhere('event.mode = :mode', { mode: filter.mode });
    if (filter.type) query.andWhere('event.event_type = :type', { type: filter.type });
    return query
      .orderBy('event.received_at', 'DESC')
      .addOrderBy('event.stripe_created_at', 'DESC')
      .addOrderBy('event.id', 'DESC')
      .skip((filter.page - 1) * filter.pageSize)
      .take(filter.pageSize)
      .getManyAndCount();
  }
}
