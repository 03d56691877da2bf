import { ConflictException, ForbiddenException, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { httpContext, httpError } from '../../../test/helpers/unit';
import { UnprocessableEntityError } from '../../http/unprocessable-entity.error';
import type { UsersService } from '../../users/users.service';
import type { ProjectAccessRow, ProjectsRepository } from '../projects.repository';
import type { ProjectPreload } from '../project-preload';
import {
  INACTIVE_PROJECT_DETAIL,
  OwnedProject,
  ProjectOwnershipGuard,
  WithProjectPreload,
} from './project-ownership.guard';

const USER = '11111111-1111-4111-8111-111111111111';
const OTHER_USER = '22222222-2222-4222-8222-222222222222';
const PROJECT = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const CREATED = new Date('2026-01-02T03:04:05Z');

const preload: ProjectPreload<{ version: number | null }> = {
  name: 'spec_preload',
  join: 'LEFT JOIN things t ON t.project_id = p.id',
  columns: 't.version AS thing_version',
  read: (row) => ({ version: row.thing_version as number | null }),
};

class Routes {
  @OwnedProject()
  byProjectId(): void {}

  @OwnedProject('pid')
  byOtherParam(): void {}

  @OwnedProject()
  @WithProjectPreload(preload)
  withPreload(): void {}
}

function accessRow(overrides: Partial<ProjectAccessRow> = {}): ProjectAccessRow {
  return {
    user_role: 'developer',
    project_id: PROJECT,
    owner_id: USER,
    name: 'Shop',
    description: null,
    project_is_active: true,
    created_at: CREATED,
    updated_at: null,
    ...overrides,
  };
}

/** ProjectAccessRepository replaced: answers the row given, records every call. */
class FakeProjectAccess {
  calls: unknown[][] = [];
  constructor(
    private readonly row: ProjectAccessRow | null,
    private readonly activeRole: string | null = 'developer',
  ) {}
  find(...args: unknown[]): Promise<ProjectAccessRow | null> {
    this.calls.push(['find', ...args]);
    return Promise.resolve(this.row);
  }
  /** UsersService.findActiveRole: the guard asks the users module when the path's id is malformed. */
  findActiveRole(...args: unknown[]): Promise<string | null> {
    this.calls.push(['findActiveUserRole', ...args]);
    return Promise.resolve(this.activeRole);
  }
}

interface Req {
  method: string;
  params: Record<string, string>;
  user: { id: string; role?: string };
  ownedProject?: unknown;
  projectPreload?: unknown;
}

function setup(access: FakeProjectAccess, request: Partial<Req> = {}, handler: keyof Routes = 'byProjectId') {
  const guard = new ProjectOwnershipGuard(
    new Reflector(),
    access as unknown as ProjectsRepository,
    access as unknown as UsersService,
  );
  const req: Req = { method: 'GET', params: { project_id: PROJECT }, user: { id: USER }, ...request };
  const context = httpContext(req, { controller: Routes, handler: Routes.prototype[handler] });
  return { run: () => guard.canActivate(context), req };
}

describe('ProjectOwnershipGuard', () => {
  it("lets the owner through: the user's role comes from the row, the project is set on the request", async () => {
    const access = new FakeProjectAccess(accessRow());
    const { run, req } = setup(access);
    await expect(run()).resolves.toBe(true);
    expect(access.calls).toEqual([['find', USER, PROJECT, undefined]]);
    expect(req.user).toEqual({ id: USER, role: 'developer' });
    expect(req.ownedProject).toEqual({
      id: PROJECT,
      ownerId: USER,
      name: 'Shop',
      description: null,
      isActive: true,
      createdAt: CREATED,
      updatedAt: null,
    });
    expect(req.projectPreload).toBeUndefined();
  });

  it('looks the project up by its lower-case id, in one query with the user', async () => {
    const access = new FakeProjectAccess(accessRow());
    await setup(access, { params: { project_id: PROJECT.toUpperCase() } }).run();
    expect(access.calls).toEqual([['find', USER, PROJECT, undefined]]);
  });

  it('reads the id from the parameter the route names', async () => {
    const access = new FakeProjectAccess(accessRow());
    await expect(setup(access, { params: { pid: PROJECT } }, 'byOtherParam').run()).resolves.toBe(true);
    expect(access.calls).toEqual([['find', USER, PROJECT, undefined]]);
  });

  it("passes the route's preload to the same query and puts what it read on the request", async () => {
    const access = new FakeProjectAccess(accessRow({ thing_version: 7 }));
    const { run, req } = setup(access, {}, 'withPreload');
    await run();
    expect(access.calls).toEqual([['find', USER, PROJECT, preload]]);
    expect(req.projectPreload).toEqual({ version: 7 });
  });

  it('401 when the user is gone or inactive (no row), before saying anything about the project', async () => {
    const error = await httpError(setup(new FakeProjectAccess(null)).run());
    expect(error).toBeInstanceOf(UnauthorizedException);
    expect(error.getResponse()).toMatchObject({ message: 'Could not validate credentials' });
  });

  it('403 for an active user who is not a developer', async () => {
    const error = await httpError(setup(new FakeProjectAccess(accessRow({ user_role: 'end_user' }))).run());
    expect(error).toBeInstanceOf(ForbiddenException);
    expect(error.getResponse()).toMatchObject({ message: 'Developer role required' });
  });

  it('404 when there is no such project', async () => {
    const row = accessRow({ project_id: null, owner_id: null, project_is_active: null });
    const error = await httpError(setup(new FakeProjectAccess(row)).run());
    expect(error).toBeInstanceOf(NotFoundException);
    expect(error.getResponse()).toMatchObject({ message: 'Project not found' });
  });

  it("403 for someone else's project, and the project is not put on the request", async () => {
    const { run, req } = setup(new FakeProjectAccess(accessRow({ owner_id: OTHER_USER })));
    const error = await httpError(run());
    expect(error).toBeInstanceOf(ForbiddenException);
    expect(error.getResponse()).toMatchObject({ message: 'Not authorized to access this project' });
    expect(req.ownedProject).toBeUndefined();
  });

  it.each(['POST', 'PUT', 'PATCH'])('409 for a %s on an inactive project', async (method) => {
    const error = await httpError(
      setup(new FakeProjectAccess(accessRow({ project_is_active: false })), { method }).run(),
    );
    expect(error).toBeInstanceOf(ConflictException);
    expect(error.getResponse()).toMatchObject({ message: INACTIVE_PROJECT_DETAIL });
  });

  it.each(['GET', 'HEAD', 'OPTIONS', 'DELETE'])('lets a %s through on an inactive project', async (method) => {
    const access = new FakeProjectAccess(accessRow({ project_is_active: false }));
    await expect(setup(access, { method }).run()).resolves.toBe(true);
  });

  describe('a malformed project id', () => {
    it("is the reference API's 422 with the parameter's location, after checking the user only", async () => {
      const access = new FakeProjectAccess(accessRow());
      const error = await httpError(setup(access, { params: { project_id: 'not-a-uuid' } }).run());
      expect(error).toBeInstanceOf(UnprocessableEntityError);
      expect(error.getStatus()).toBe(422);
      expect(error.getResponse()).toEqual({
        detail: [{ loc: ['path', 'project_id'], msg: 'Input should be a valid UUID', type: 'uuid_parsing' }],
      });
      expect(access.calls).toEqual([['findActiveUserRole', USER]]);
    });

    it('is a 401 first when the user is gone', async () => {
      const access = new FakeProjectAccess(accessRow(), null);
      const error = await httpError(setup(access, { params: { pid: '123' } }, 'byOtherParam').run());
      expect(error).toBeInstanceOf(UnauthorizedException);
    });

    it('names the route parameter in the 422', async () => {
      const error = await httpError(setup(new FakeProjectAccess(accessRow()), { params: {} }, 'byOtherParam').run());
      expect(error.getResponse()).toMatchObject({ detail: [{ loc: ['path', 'pid'] }] });
    });
  });
});
