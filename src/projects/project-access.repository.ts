import { Injectable } from '@nestjs/common';
import { PreparedStatement, SqlClient } from '../database/sql-client';
import type { ProjectPreload } from './project-preload';
import type { Project } from './project.entity';

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

const USER_ONLY: PreparedStatement = {
  name: 'access_user',
  text: 'SELECT u.role AS user_role FROM users u WHERE u.id = $1 AND u.is_active',
};

function accessStatement(preload?: ProjectPreload<unknown>): PreparedStatement {
  return {
    name: preload ? `access_project_${preload.name}` : 'access_project',
    text:
      `SELECT ${BASE_COLUMNS}${preload ? `, ${preload.columns}` : ''} FROM users u ` +
      `LEFT JOIN projects p ON p.id = $2${preload ? ` ${preload.join}` : ''} WHERE u.id = $1 AND u.is_active`,
  };
}

/** The SQL of ProjectOwnershipGuard: the caller's user row and the path's project in one query. */
@Injectable()
export class ProjectAccessRepository {
  private readonly statements = new Map<ProjectPreload<unknown> | undefined, PreparedStatement>();

  constructor(private readonly sql: SqlClient) {}

  /** No row: the user is gone or inactive. `project_id` null: no such project. */
  async find(userId: string, projectId: string, preload?: ProjectPreload<unknown>): Promise<ProjectAccessRow | null> {
    let statement = this.statements.get(preload);
    if (!statement) this.statements.set(preload, (statement = accessStatement(preload)));
    const rows = await this.sql.query<ProjectAccessRow>(statement, [userId, projectId]);
    return rows[0] ?? null;
  }

  async findActiveUserRole(userId: string): Promise<string | null> {
    const rows = await this.sql.query<{ user_role: string }>(USER_ONLY, [userId]);
    return rows[0]?.user_role ?? null;
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
