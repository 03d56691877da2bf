import { ApiProperty } from '@nestjs/swagger';
import type { StripeMode } from '../../stripe/stripe-keys';
import type { SweepOutcome, SweepRow } from '../ledger-sweep.repository';

/** The last sweep of Stripe's event list for one mode, as the integration health report shows it. */
export class LedgerSweepReport {
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    title: 'Last Run At',
    description: 'null: not swept yet',
  })
  last_run_at: Date | null;

  @ApiProperty({
    enum: ['ok', 'partial', 'failed'],
    nullable: true,
    title: 'Outcome',
    description:
      '`ok` (the list was read to its end), `partial` (more pages than one run reads: the next run continues), `failed` (see `error`)',
  })
  outcome: SweepOutcome | null;

  @ApiProperty({
    type: Number,
    title: 'Events Filled',
    description: 'Undelivered events the last run stored and projected',
  })
  events_filled: number;

  @ApiProperty({ type: Number, title: 'Events Filled Total', description: 'Undelivered events all runs stored' })
  events_filled_total: number;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    title: 'Swept Until',
    description: "Every listed event created up to this second was seen (Stripe's `created`)",
  })
  swept_until: Date | null;

  @ApiProperty({ type: String, format: 'date-time', title: 'Next Run At' })
  next_run_at: Date;

  @ApiProperty({
    type: String,
    nullable: true,
    title: 'Error',
    description: 'The failure of the last run, keys masked',
  })
  error: string | null;
}

export const LEDGER_SWEEP_EXAMPLE: LedgerSweepReport = {
  last_run_at: '2026-12-01T09:12:03.000Z' as unknown as Date,
  outcome: 'ok',
  events_filled: 2,
  events_filled_total: 5,
  swept_until: '2026-12-01T09:11:58.000Z' as unknown as Date,
  next_run_at: '2026-12-01T10:10:41.000Z' as unknown as Date,
  error: null,
};

/** The report of a mode's sweep row; null when the mode is not swept (no stored secret key, or sweeps off). */
export function toSweepReport(rows: SweepRow[], mode: StripeMode): LedgerSweepReport | null {
  const row = rows.find((r) => r.mode === mode);
  if (!row) return null;
  return {
    last_run_at: row.last_run_at,
    outcome: row.last_outcome,
    events_filled: row.events_filled,
    events_filled_total: Number(row.events_filled_total),
    swept_until: row.swept_until === null ? null : new Date(Number(row.swept_until) * 1000),
    next_run_at: row.next_run_at,
    error: row.last_error,
  };
}
