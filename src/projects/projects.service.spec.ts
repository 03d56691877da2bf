import { ConflictException } from '@nestjs/common';
import type { Project } from './project.entity';
import type { ProjectsRepository } from './projects.repository';
import { DEFAULT_MAX_PROJECTS_PER_DEVELOPER as MAX_PROJECTS_PER_DEVELOPER } from './projects.config';
import { ProjectsService } from './projects.service';

const OWNER = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

/** ProjectsRepository replaced: records each call; `created` is what createWithinLimit answers. */
class FakeProjects {
  calls: unknown[][] = [];
  constructor(private readonly created: Project | null = { id: 'new-project' } as Project) {}
  createWithinLimit(ownerId: string, values: object, limit: number): Promise<Project | null> {
    this.calls.push(['createWithinLimit', ownerId, values, limit]);
    return Promise.resolve(this.created);
  }
  listOwnedBy(ownerId: string): Promise<Project[]> {
    this.calls.push(['listOwnedBy', ownerId]);
    return Promise.resolve([]);
  }
  findById(id: string): Promise<Project | null> {
    this.calls.push(['findById', id]);
    return Promise.resolve(null);
  }
}

const serviceOn = (projects: FakeProjects) =>
  new ProjectsService(projects as unknown as ProjectsRepository, { maxPerDeveloper: MAX_PROJECTS_PER_DEVELOPER });

describe('ProjectsService', () => {
  describe('create', () => {
    it('asks the repository to insert within the per-developer limit, a missing description as null', async () => {
      const projects = new FakeProjects();
      const created = await serviceOn(projects).create(OWNER, { name: 'Shop' });
      expect(created).toEqual({ id: 'new-project' });
      expect(projects.calls).toEqual([
        ['createWithinLimit', OWNER, { name: 'Shop', description: null }, MAX_PROJECTS_PER_DEVELOPER],
      ]);
    });

    it('is a 409 naming the limit when the repository inserted nothing (the owner has 200 projects)', async () => {
      const promise = serviceOn(new FakeProjects(null)).create(OWNER, { name: 'One too many', description: 'x' });
      await expect(promise).rejects.toBeInstanceOf(ConflictException);
      await expect(promise).rejects.toThrow(`at most ${MAX_PROJECTS_PER_DEVELOPER} projects`);
    });
  });

  it("lists the owner's projects only: the owner id goes to the repository", async () => {
    const projects = new FakeProjects();
    await serviceOn(projects).listOwnedBy(OWNER);
    expect(projects.calls).toEqual([['listOwnedBy', OWNER]]);
  });

  it('finds a project by id (ownership is the guard’s job)', async () => {
    const projects = new FakeProjects();
    await expect(serviceOn(projects).findById('p-1')).resolves.toBeNull();
    expect(projects.calls).toEqual([['findById', 'p-1']]);
  });
});
