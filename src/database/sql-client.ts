import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/** A statement sent as a named prepared statement: parsed and planned once per connection. */
export interface PreparedStatement {
  /** Unique per distinct `text` (PostgreSQL refuses one name for two texts on a connection). */
  name: string;
  text: string;
}

/**
 * Raw SQL on TypeORM's own pg pool, for the requests that run most often (auth + ownership + config
 * read, config write). TypeORM's query runner and entity hydration cost more CPU per request than the
 * query itself (docs/benchmarks.md), and its `query()` cannot send a named prepared statement. Only
 * repositories use it. The connection comes from the driver's public `obtainMasterConnection()` (the
 * same pool, connection limits and deadlines as everything else; pg's own `pool.query` does the same
 * connect, query, release), and errors are pg's own, so DB-outage handling (503) is unchanged.
 */
@Injectable()
export class SqlClient {
  private readonly driver: PostgresDriver;

  constructor(@InjectDataSource() dataSource: DataSource) {
    if (!(dataSource.driver instanceof PostgresDriver)) throw new Error('SqlClient needs the PostgreSQL driver');
    this.driver = dataSource.driver;
  }

  async query<T extends QueryResultRow>(statement: PreparedStatement, values: unknown[]): Promise<T[]> {
    const [client, release] = (await this.driver.obtainMasterConnection()) as [PoolClient, (error?: Error) => void];
    // While held, the connection may break between statements (e.g. the server restarts): it is then
    // released with that error, so that the pool closes it instead of handing it out again.
    let broken: Error | undefined;
    const onError = (error: Error) => (broken ??= error);
    client.on('error', onError);
    try {
      const result = await client.query<T>({ name: statement.name, text: statement.text, values });
      client.off('error', onError);
      release(broken);
      return result.rows;
    } catch (error) {
      // As pg's pool.query does: a connection whose statement failed is not handed out again if broken.
      client.off('error', onError);
      release(error as Error);
      throw error;
    }
  }
}
