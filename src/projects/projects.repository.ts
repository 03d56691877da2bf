import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { PreparedStatement, SqlClient } from '../database/sql-client';
import type { ProjectPreload } from './project-preload';
import { Project } from './project.entity';

/** One row answers "is the caller an active user, does the project exist, and whose is it?" */
export interface ProjectAccessRow extends Record<string, unknown> {
  user_role: string;
  project_id: string | null;
  owner_id: string | null;
  name: string | null;
  description: string | null;
  project_is_active: boolean | null;
  created_at: Date | null;
  updated_at: Date | null;
}

const BASE_COLUMNS =
  'u.role AS user_role, p.id AS project_id, p.owner_id, p.name, p.description, p.is_active AS project_is_active, p.created_at, p.updated_at';

function accessStatement(preload?: ProjectPreload<unknown>): PreparedStatement {
  return {
    name: preload ? `access_project_${preload.name}` : 'access_project',
    text:
      `SELECT ${BASE_COLUMNS}${preload ? `, ${preload.columns}` : ''} FROM users u ` +
      `LEFT JOIN projects p ON p.id = $2${preload ? ` ${preload.join}` : ''} WHERE u.id = $1 AND u.is_active`,
  };
}

/**
 * Every statement on projects. The ownership check (ProjectOwnershipGuard) reads the caller's user row,
 * the path's project and a route's preload (e.g. GET config's masked columns) in ONE named prepared
 * statement through SqlClient: it runs on nearly every request (docs/benchmarks.md).
 */
@Injectable()
export class ProjectsRepository {
  private readonly statements = new Map<ProjectPreload<unknown> | undefined, PreparedStatement>();

  private readonly projects: Repository<Project>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sql: SqlClient,
  ) {
    this.projects = dataSource.getRepository(Project);
  }

  /**
   * Inserts a project unless its owner already has `limit`; null when the limit is reached. Creations
   * for one owner are serialised (a transaction-scoped advisory lock on the owner id), so concurrent
   * ones cannot go past the limit.
   */
  createWithinLimit(
    ownerId: string,
    input: { name: string; description: string | null },
    limit: number,
  ): Promise<Project | null> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('projects-of:' || $1))`, [ownerId]);
      if ((await manager.count(Project, { where: { ownerId } })) >= limit) return null;
      return manager.save(manager.create(Project, { ownerId, name: input.name, description: input.description }));
    });
  }

  /** The owner's projects, oldest first. */
  listOwnedBy(ownerId: string): Promise<Project[]> {
    return this.projects.find({ where: { ownerId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  findById(id: string): Promise<Project | null> {
    return this.projects.findOneBy({ id });
  }

  /** No row: the user is gone or inactive. `project_id` null: no such project. */
  async find(userId: string, projectId: string, preload?: ProjectPreload<unknown>): Promise<ProjectAccessRow | null> {
    let statement = this.statements.get(preload);
    if (!statement) this.statements.set(preload, (statement = accessStatement(preload)));
    const rows = await this.sql.query<ProjectAccessRow>(statement, [userId, projectId]);
    return rows[0] ?? null;
  }
}

/** The project columns of an access row as a Project. */
export function projectOf(row: ProjectAccessRow): Project {
  return {
    id: row.project_id as string,
    ownerId: row.owner_id as string,
    name: row.name as string,
    description: row.description,
    isActive: row.project_is_active as boolean,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at,
  } as Project;
}
