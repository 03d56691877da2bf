import { ConflictException } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { Project } from './project.entity';
import { MAX_PROJECTS_PER_DEVELOPER, ProjectsService } from './projects.service';

const OWNER = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

/** The repository's entity manager inside a transaction: records each statement in order. */
class FakeManager {
  calls: unknown[][] = [];
  constructor(private readonly owned: number) {}
  query(sql: string, parameters: unknown[]): Promise<unknown[]> {
    this.calls.push(['query', sql, parameters]);
    return Promise.resolve([]);
  }
  count(entity: unknown, options: unknown): Promise<number> {
    this.calls.push(['count', entity, options]);
    return Promise.resolve(this.owned);
  }
  create(entity: unknown, values: object): object {
    this.calls.push(['create', entity, values]);
    return { ...values };
  }
  save(row: object): Promise<object> {
    this.calls.push(['save', row]);
    return Promise.resolve({ id: 'new-project', ...row });
  }
}

class FakeProjectRepository {
  calls: unknown[][] = [];
  transactions = 0;
  constructor(readonly managerInTransaction: FakeManager = new FakeManager(0)) {}
  readonly manager = {
    transaction: async <T>(work: (manager: FakeManager) => Promise<T>): Promise<T> => {
      this.transactions += 1;
      return work(this.managerInTransaction);
    },
  };
  find(options: unknown): Promise<Project[]> {
    this.calls.push(['find', options]);
    return Promise.resolve([]);
  }
  findOneBy(where: unknown): Promise<Project | null> {
    this.calls.push(['findOneBy', where]);
    return Promise.resolve(null);
  }
}

const serviceOn = (repository: FakeProjectRepository) =>
  new ProjectsService(repository as unknown as Repository<Project>);

describe('ProjectsService', () => {
  describe('create', () => {
    it("locks the owner's row, counts their projects, then saves the new one, in one transaction", async () => {
      const repository = new FakeProjectRepository(new FakeManager(MAX_PROJECTS_PER_DEVELOPER - 1));
      const created = await serviceOn(repository).create(OWNER, { name: 'Shop', description: 'Online' });
      expect(repository.transactions).toBe(1);
      expect(repository.managerInTransaction.calls).toEqual([
        ['query', 'SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [OWNER]],
        ['count', Project, { where: { ownerId: OWNER } }],
        ['create', Project, { ownerId: OWNER, name: 'Shop', description: 'Online' }],
        ['save', { ownerId: OWNER, name: 'Shop', description: 'Online' }],
      ]);
      expect(created).toMatchObject({ id: 'new-project', ownerId: OWNER });
    });

    it('stores a missing description as null', async () => {
      const repository = new FakeProjectRepository();
      await serviceOn(repository).create(OWNER, { name: 'Shop' });
      expect(repository.managerInTransaction.calls[2]).toEqual([
        'create',
        Project,
        { ownerId: OWNER, name: 'Shop', description: null },
      ]);
    });

    it(`409 once the owner has ${MAX_PROJECTS_PER_DEVELOPER} projects, and nothing is saved`, async () => {
      const repository = new FakeProjectRepository(new FakeManager(MAX_PROJECTS_PER_DEVELOPER));
      const error = await serviceOn(repository)
        .create(OWNER, { name: 'One too many' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictException);
      expect((error as ConflictException).getResponse()).toMatchObject({
        statusCode: 409,
        message: `Project limit reached: a developer can own at most ${MAX_PROJECTS_PER_DEVELOPER} projects`,
      });
      expect(repository.managerInTransaction.calls.map((c) => c[0])).toEqual(['query', 'count']);
    });
  });

  it("listOwnedBy puts the owner's id in the query, oldest first", async () => {
    const repository = new FakeProjectRepository();
    await serviceOn(repository).listOwnedBy(OWNER);
    expect(repository.calls).toEqual([['find', { where: { ownerId: OWNER }, order: { createdAt: 'ASC', id: 'ASC' } }]]);
  });

  it('findById reads one project by id', async () => {
    const repository = new FakeProjectRepository();
    await expect(serviceOn(repository).findById(OWNER)).resolves.toBeNull();
    expect(repository.calls).toEqual([['findOneBy', { id: OWNER }]]);
  });
});
