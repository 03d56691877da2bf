import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PaginationQuery } from '../../http/pagination.dto';
import type { StripeMode } from '../../stripe/stripe-keys';

export class ListWebhookEventsQuery extends PaginationQuery {
  @ApiPropertyOptional({ enum: ['test', 'live'], title: 'Mode', description: 'Only events of this mode' })
  @IsOptional()
  @IsIn(['test', 'live'], { message: 'mode must be test or live' })
  mode?: StripeMode;

  @ApiPropertyOptional({
    type: String,
    minLength: 1,
    maxLength: 255,
    title: 'Type',
    description: 'Only events of this type, e.g. invoice.paid',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  type?: string;
}

export class WebhookEventResponse {
  @ApiProperty({ type: String, format: 'uuid', title: 'Id' })
  id: string;

  @ApiProperty({ type: String, title: 'Event Id', example: 'evt_1NG8Du2eZvKYlo2CUI79vXWy' })
  event_id: string;

  @ApiProperty({ type: String, title: 'Type', example: 'invoice.paid' })
  type: string;

  @ApiProperty({ enum: ['test', 'live'], title: 'Mode' })
  mode: StripeMode;

  @ApiProperty({ type: String, format: 'date-time', title: 'Stripe Created At', description: "Stripe's `created`" })
  stripe_created_at: Date;

  @ApiProperty({ type: String, format: 'date-time', title: 'Received At' })
  received_at: Date;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    title: 'Payload',
    description:
      'The event as Stripe sent it. In a list, an event larger than 16 KiB is summarised instead (`id`, `object`, `type`, `created`, `livemode`) and `payload_truncated` is true: get it whole from `GET .../webhook-events/{webhook_event_id}`.',
  })
  payload: Record<string, unknown>;

  @ApiProperty({
    type: Boolean,
    title: 'Payload Truncated',
    description: '`true` when `payload` is only the summary of a large event (lists only)',
  })
  payload_truncated: boolean;

  @ApiProperty({ type: 'integer', title: 'Payload Size', description: "Bytes of the event's JSON as stored" })
  payload_size: number;
}

export class WebhookEventListResponse {
  @ApiProperty({ type: () => [WebhookEventResponse], title: 'Items' })
  items: WebhookEventResponse[];

  @ApiProperty({ type: 'integer', title: 'Total', description: 'Events matching the filter, on all pages' })
  total: number;

  @ApiProperty({ type: 'integer', title: 'Page' })
  page: number;

  @ApiProperty({ type: 'integer', title: 'Page Size' })
  page_size: number;
}

export class WebhookReceivedResponse {
  @ApiProperty({ type: Boolean, title: 'Received', example: true })
  received: boolean;

  @ApiProperty({
    type: Boolean,
    title: 'Duplicate',
    description: 'true when this event had already been received (a redelivery): it is not stored again',
  })
  duplicate: boolean;
}
