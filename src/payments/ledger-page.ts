import type { StripeMode } from '../stripe/stripe-keys';

export interface LedgerListFilter {
  projectIds: string[];
  mode?: StripeMode;
  status?: string;
  page: number;
  pageSize: number;
}

/** What one ledger list reads: its table and alias, the columns and joins of a page's rows, its status expression. */
export interface LedgerListSpec {
  table: string;
  /** The table's alias in `columns`, `joins` and `status`. */
  alias: string;
  columns: string;
  joins: string;
  /** The expression the `status` filter compares with. */
  status: string;
}

/**
 * One page of a ledger list, newest first by Stripe's `created` (ties by id), and the total matching
 * the filter, in one statement (one snapshot, one round trip). Every (project, mode) pair walks the
 * (project, mode, created, id) index in order and stops after the rows the page needs, so no page sorts
 * a project's rows; the total counts each pair's index entries. A page past the middle is walked from the oldest
 * end (its offset counted from the total): the last page of a large project reads as few index entries
 * as the first. Only the page's rows are read from the table and joined. Each result row carries
 * `total`; when the page is empty there is one row whose other columns are NULL.
 */
export function ledgerPageStatement(
  spec: LedgerListSpec,
  filter: LedgerListFilter,
): { sql: string; params: unknown[] } {
  const { table, alias: a } = spec;
  const modes: StripeMode[] = filter.mode ? [filter.mode] : ['test', 'live'];
  const params: unknown[] = [filter.projectIds, modes, filter.pageSize, (filter.page - 1) * filter.pageSize];
  let where = `${a}.project_id = keys.kp AND ${a}.mode = keys.km`;
  if (filter.status) where += ` AND ${spec.status} = $${params.push(filter.status)}`;
  const walk = (direction: 'DESC' | 'ASC', limit: string) =>
    `SELECT x.id, x.created FROM keys CROSS JOIN LATERAL (
       SELECT ${a}.id, ${a}.stripe_created_at AS created FROM ${table} ${a} WHERE ${where}
        ORDER BY ${a}.stripe_created_at ${direction}, ${a}.id ${direction} LIMIT ${limit}) x`;
  const n = '(SELECT n FROM total)';
  const sql = `
WITH keys AS MATERIALIZED (SELECT kp, km FROM unnest($1::uuid[]) AS kp, unnest($2::varchar[]) AS km),
total AS (SELECT COALESCE(sum(c.n), 0)::int AS n FROM keys CROSS JOIN LATERAL (
  SELECT count(*) AS n FROM ${table} ${a} WHERE ${where}) c),
page AS (
  (${walk('DESC', '$3::bigint + $4::bigint')}
    WHERE ${n} >= 2 * $4::bigint
    ORDER BY x.created DESC, x.id DESC LIMIT $3::bigint OFFSET $4::bigint)
  UNION ALL
  (${walk('ASC', `greatest(${n} - $4::bigint, 0)`)}
    WHERE ${n} < 2 * $4::bigint
    ORDER BY x.created, x.id
    LIMIT greatest(least($3::bigint, ${n} - $4::bigint), 0) OFFSET greatest(${n} - $4::bigint - $3::bigint, 0)))
SELECT total.n AS total, ${spec.columns}
  FROM total LEFT JOIN (page JOIN ${table} ${a} ON ${a}.id = page.id ${spec.joins}) ON true
 ORDER BY page.created DESC, page.id DESC`;
  return { sql, params };
}

/**
 * A timestamp column as the response sends it (`Date.toJSON`'s ISO form, UTC, milliseconds): a page's
 * timestamps go out as they come in, not parsed into Dates and formatted again for every row.
 */
export function isoTime(column: string, as: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${as}`;
}

/** The page's rows and the total from the rows of ledgerPageStatement. */
export function pageAndTotal<Row extends { id: string | null }>(rows: (Row & { total: number })[]): [Row[], number] {
  return [rows.filter((row) => row.id !== null), rows[0]?.total ?? 0];
}
