import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, Repository } from 'typeorm';
import { PreparedStatement, SqlClient } from '../database/sql-client';
import { User } from './user.entity';

/**
 * The global guard's user check on routes without a project (the project routes read the user in the
 * ownership query, ProjectsRepository): a named prepared statement through SqlClient, as it runs on
 * most requests (docs/benchmarks.md).
 */
const ACTIVE_USER_ROLE: PreparedStatement = {
  name: 'access_user',
  text: 'SELECT u.role AS user_role FROM users u WHERE u.id = $1 AND u.is_active',
};

/** Every statement on users. */
@Injectable()
export class UsersRepository {
  private readonly users: Repository<User>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sql: SqlClient,
  ) {
    this.users = dataSource.getRepository(User);
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  /** The users whose stored address is one of `emails` (exact match). */
  findByEmails(emails: readonly string[]): Promise<User[]> {
    return this.users.findBy({ email: In([...emails]) });
  }

  /** The role of an active user; null when the user is gone or inactive. */
  async findActiveRole(userId: string): Promise<string | null> {
    const rows = await this.sql.query<{ user_role: string }>(ACTIVE_USER_ROLE, [userId]);
    return rows[0]?.user_role ?? null;
  }

  /** Inserts a user; returns its id, or null when the email is already taken (unique constraint). */
  async insertUnlessTaken(input: {
    email: string;
    passwordHash: string;
    fullName: string | null;
  }): Promise<string | null> {
    const result = await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(User)
      .values(input)
      .orIgnore()
      .returning('id')
      .execute();
    return (result.raw as { id: string }[])[0]?.id ?? null;
  }
}
