import { In, type Repository } from 'typeorm';
import type { User } from './user.entity';
import { UsersService } from './users.service';

const ID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

const user = (email: string, id = ID): User =>
  ({ id, email, passwordHash: 'scrypt$x', fullName: null, role: 'developer', isActive: true }) as User;

/** The calls UsersService makes on its TypeORM repository, answered from a list of rows. */
class FakeUserRepository {
  calls: unknown[][] = [];
  inserted: unknown[] = [];
  constructor(
    private readonly rows: User[] = [],
    private readonly insertedId: string | null = ID,
  ) {}
  findOneBy(where: { id: string }): Promise<User | null> {
    this.calls.push(['findOneBy', where]);
    return Promise.resolve(this.rows.find((r) => r.id === where.id) ?? null);
  }
  findBy(where: unknown): Promise<User[]> {
    this.calls.push(['findBy', where]);
    return Promise.resolve(this.rows);
  }
  createQueryBuilder() {
    const steps: string[] = [];
    const builder = {
      insert: () => (steps.push('insert'), builder),
      values: (values: unknown) => (this.inserted.push(values), steps.push('values'), builder),
      orIgnore: () => (steps.push('orIgnore'), builder),
      returning: (columns: string) => (steps.push(`returning ${columns}`), builder),
      execute: () => {
        this.calls.push(['insert', steps]);
        return Promise.resolve({ raw: this.insertedId ? [{ id: this.insertedId }] : [] });
      },
    };
    return builder;
  }
}

const serviceOn = (repository: FakeUserRepository) => new UsersService(repository as unknown as Repository<User>);

describe('UsersService', () => {
  it('findById reads one row by id', async () => {
    const repository = new FakeUserRepository([user('a@example.com')]);
    await expect(serviceOn(repository).findById(ID)).resolves.toMatchObject({ id: ID, email: 'a@example.com' });
    expect(repository.calls).toEqual([['findOneBy', { id: ID }]]);
  });

  describe('findByEmail', () => {
    it('looks up the trimmed lower-case form and the normalised form in one query', async () => {
      const repository = new FakeUserRepository();
      await expect(serviceOn(repository).findByEmail('  Dev@Bücher.Example ')).resolves.toBeNull();
      expect(repository.calls).toEqual([
        ['findBy', { email: In(['dev@bücher.example', 'dev@xn--bcher-kva.example']) }],
      ]);
    });

    it('asks for one form when both are the same', async () => {
      const repository = new FakeUserRepository();
      await serviceOn(repository).findByEmail('dev@example.com');
      expect(repository.calls).toEqual([['findBy', { email: In(['dev@example.com']) }]]);
    });

    it('prefers the row stored in the older (lower-case only) form over the normalised one', async () => {
      const legacy = user('dev@bücher.example', 'legacy');
      const normalized = user('dev@xn--bcher-kva.example', 'normalized');
      const found = await serviceOn(new FakeUserRepository([normalized, legacy])).findByEmail('Dev@Bücher.example');
      expect(found?.id).toBe('legacy');
      const only = await serviceOn(new FakeUserRepository([normalized])).findByEmail('Dev@Bücher.example');
      expect(only?.id).toBe('normalized');
    });
  });

  describe('create', () => {
    it('inserts the normalised email (ignoring a taken one) and returns the stored row', async () => {
      const repository = new FakeUserRepository([user('dev@xn--bcher-kva.example')]);
      const created = await serviceOn(repository).create({
        email: 'Dev@Bücher.example',
        passwordHash: 'scrypt$hash',
        fullName: 'Ada',
      });
      expect(repository.inserted).toEqual([
        { email: 'dev@xn--bcher-kva.example', passwordHash: 'scrypt$hash', fullName: 'Ada' },
      ]);
      expect(repository.calls).toEqual([
        ['insert', ['insert', 'values', 'orIgnore', 'returning id']],
        ['findOneBy', { id: ID }],
      ]);
      expect(created?.id).toBe(ID);
    });

    it('returns null, without reading anything, when the email is already taken', async () => {
      const repository = new FakeUserRepository([], null);
      await expect(
        serviceOn(repository).create({ email: 'dev@example.com', passwordHash: 'h', fullName: null }),
      ).resolves.toBeNull();
      expect(repository.calls.map((c) => c[0])).toEqual(['insert']);
    });
  });
});
