/**
 * Something a route needs besides the project, read by ProjectOwnershipGuard in the same query as
 * the ownership check (one round trip per request on hot paths such as GET config). A feature module
 * owns its preload: the SQL that joins its table to the project (aliased `p`) and how to read the row.
 */
export interface ProjectPreload<T> {
  /** Stable and unique: names the prepared statement. */
  name: string;
  /** `LEFT JOIN <table> <alias> ON <alias>.project_id = p.id`: the project row is found either way. */
  join: string;
  /** Select-list expressions, each aliased with a prefix unique to this preload. */
  columns: string;
  /** The preloaded value from the joined row (its columns are null when the join found nothing). */
  read(row: Record<string, unknown>): T;
}
