import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import type { StripeMode } from '../../stripe/stripe-keys';
import { SYNC_STATUSES, type SyncStatus } from '../ledger-sync.repository';

export class StartPaymentSyncRequest {
  @ApiProperty({
    enum: ['test', 'live'],
    title: 'Mode',
    description: 'Which stored secret key imports: the test or the live one',
    example: 'test',
  })
  @IsIn(['test', 'live'], { message: 'mode must be test or live' })
  mode: StripeMode;
}

export class PaymentSyncState {
  @ApiProperty({ enum: ['test', 'live'], title: 'Mode' })
  mode: StripeMode;

  @ApiProperty({
    enum: SYNC_STATUSES,
    title: 'Status',
    description:
      '`queued` (waiting for a worker), `running`, `succeeded` (everything Stripe listed was imported), `failed` (see `last_error`)',
  })
  status: SyncStatus;

  @ApiProperty({
    type: Number,
    title: 'Subscriptions Imported',
    description: 'Subscriptions read from Stripe and projected',
  })
  subscriptions_imported: number;

  @ApiProperty({
    type: Number,
    title: 'Payments Imported',
    description: 'Payment intents (succeeded or failed) read from Stripe and projected: one payment each',
  })
  payments_imported: number;

  @ApiProperty({ type: Number, title: 'Pages Fetched', description: 'List pages of up to 100 objects read so far' })
  pages_fetched: number;

  @ApiProperty({
    type: Number,
    title: 'Stripe Calls',
    description: 'Calls to Stripe this sync made (at most `PAYMENTS_SYNC_MAX_STRIPE_CALLS`)',
  })
  stripe_calls: number;

  @ApiProperty({ type: String, format: 'date-time', title: 'Requested At' })
  requested_at: Date;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, title: 'Started At' })
  started_at: Date | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, title: 'Finished At' })
  finished_at: Date | null;

  @ApiProperty({
    type: String,
    nullable: true,
    title: 'Last Error',
    description: 'The last failure (a retried one too), one line; keys only ever masked',
  })
  last_error: string | null;
}

export class PaymentSyncStatusResponse {
  @ApiProperty({ type: () => PaymentSyncState, nullable: true, title: 'Test', description: 'null: never synced' })
  test: PaymentSyncState | null;

  @ApiProperty({ type: () => PaymentSyncState, nullable: true, title: 'Live', description: 'null: never synced' })
  live: PaymentSyncState | null;
}

export const PAYMENT_SYNC_QUEUED_EXAMPLE: PaymentSyncState = {
  mode: 'test',
  status: 'queued',
  subscriptions_imported: 0,
  payments_imported: 0,
  pages_fetched: 0,
  stripe_calls: 0,
  requested_at: '2026-12-01T09:30:00.000Z' as unknown as Date,
  started_at: null,
  finished_at: null,
  last_error: null,
};

export const PAYMENT_SYNC_STATUS_EXAMPLE: PaymentSyncStatusResponse = {
  test: {
    mode: 'test',
    status: 'succeeded',
    subscriptions_imported: 42,
    payments_imported: 318,
    pages_fetched: 7,
    stripe_calls: 7,
    requested_at: '2026-12-01T09:30:00.000Z' as unknown as Date,
    started_at: '2026-12-01T09:30:00.412Z' as unknown as Date,
    finished_at: '2026-12-01T09:30:04.871Z' as unknown as Date,
    last_error: null,
  },
  live: {
    mode: 'live',
    status: 'failed',
    subscriptions_imported: 0,
    payments_imported: 0,
    pages_fetched: 0,
    stripe_calls: 1,
    requested_at: '2026-12-01T09:31:10.000Z' as unknown as Date,
    started_at: '2026-12-01T09:31:10.203Z' as unknown as Date,
    finished_at: '2026-12-01T09:31:10.389Z' as unknown as Date,
    last_error: 'Stripe: the restricted key is missing the permission rak_subscription_read',
  },
};
