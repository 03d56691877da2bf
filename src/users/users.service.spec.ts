import type { User } from './user.entity';
import type { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

const ID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

const user = (email: string, id = ID): User =>
  ({ id, email, passwordHash: 'scrypt$x', fullName: null, role: 'developer', isActive: true }) as User;

/** UsersRepository replaced: answers from a list of rows and records each call. */
class FakeUserRepository {
  calls: unknown[][] = [];
  inserted: unknown[] = [];
  constructor(
    private readonly rows: User[] = [],
    private readonly insertedId: string | null = ID,
  ) {}
  findById(id: string): Promise<User | null> {
    this.calls.push(['findById', id]);
    return Promise.resolve(this.rows.find((r) => r.id === id) ?? null);
  }
  findByEmails(emails: string[]): Promise<User[]> {
    this.calls.push(['findByEmails', emails]);
    return Promise.resolve(this.rows);
  }
  insertUnlessTaken(values: unknown): Promise<string | null> {
    this.inserted.push(values);
    this.calls.push(['insertUnlessTaken']);
    return Promise.resolve(this.insertedId);
  }
  findActiveRole(id: string): Promise<string | null> {
    this.calls.push(['findActiveRole', id]);
    return Promise.resolve('developer');
  }
}

const serviceOn = (repository: FakeUserRepository) => new UsersService(repository as unknown as UsersRepository);

describe('UsersService', () => {
  it('findById reads one row by id', async () => {
    const repository = new FakeUserRepository([user('a@example.com')]);
    await expect(serviceOn(repository).findById(ID)).resolves.toMatchObject({ id: ID, email: 'a@example.com' });
    expect(repository.calls).toEqual([['findById', ID]]);
  });

  describe('findByEmail', () => {
    it('looks up the trimmed lower-case form and the normalised form in one query', async () => {
      const repository = new FakeUserRepository();
      await expect(serviceOn(repository).findByEmail('  Dev@Bücher.Example ')).resolves.toBeNull();
      expect(repository.calls).toEqual([['findByEmails', ['dev@bücher.example', 'dev@xn--bcher-kva.example']]]);
    });

    it('asks for one form when both are the same', async () => {
      const repository = new FakeUserRepository();
      await serviceOn(repository).findByEmail('dev@example.com');
      expect(repository.calls).toEqual([['findByEmails', ['dev@example.com']]]);
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

  it('findActiveRole asks the repository for the role of an active user', async () => {
    const repository = new FakeUserRepository();
    await expect(serviceOn(repository).findActiveRole(ID)).resolves.toBe('developer');
    expect(repository.calls).toEqual([['findActiveRole', ID]]);
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
      expect(repository.calls).toEqual([['insertUnlessTaken'], ['findById', ID]]);
      expect(created?.id).toBe(ID);
    });

    it('returns null, without reading anything, when the email is already taken', async () => {
      const repository = new FakeUserRepository([], null);
      await expect(
        serviceOn(repository).create({ email: 'dev@example.com', passwordHash: 'h', fullName: null }),
      ).resolves.toBeNull();
      expect(repository.calls.map((c) => c[0])).toEqual(['insertUnlessTaken']);
    });
  });
});
