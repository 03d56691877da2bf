import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';

/** A statement sent as a named prepared statement: parsed and planned once per connection. */
export interface PreparedStatement {
  /** Unique per distinct `text` (PostgreSQL refuses one name for two texts on a connection). */
  name: string;
  text: string;
}

/**
 * Raw SQL on TypeORM's own pg pool, for the requests that run most often (auth + ownership + config
 * read, config write). TypeORM's query runner and entity hydration cost more CPU per request than the
 * query itself (docs/benchmarks.md); everything else keeps using repositories. Same pool, same
 * connection limits, and errors are pg's own, so DB-outage handling (503) is unchanged.
 */
@Injectable()
export class SqlClient {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  async query<T extends QueryResultRow>(statement: PreparedStatement, values: unknown[]): Promise<T[]> {
    const result = await this.pool.query<T>({ name: statement.name, text: statement.text, values });
    return result.rows;
  }
}
