import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { normalizeEmail } from './email-address';
import { User } from './user.entity';

@Injectable()
export class UsersService {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  /**
   * The account of an address in any spelling: its normalised form, or exactly the form older versions
   * stored (trimmed, lower-cased) for a row the NormalizeUserEmails migration could not rewrite.
   */
  async findByEmail(email: string): Promise<User | null> {
    const legacy = email.trim().toLowerCase();
    const normalized = normalizeEmail(email);
    const users = await this.users.findBy({ email: In([...new Set([legacy, normalized])]) });
    return users.find((u) => u.email === legacy) ?? users.find((u) => u.email === normalized) ?? null;
  }

  /** Inserts a user; returns null when the email is already taken (unique constraint). */
  async create(input: { email: string; passwordHash: string; fullName: string | null }): Promise<User | null> {
    const result = await this.users
      .createQueryBuilder()
      .insert()
      .values({ email: normalizeEmail(input.email), passwordHash: input.passwordHash, fullName: input.fullName })
      .orIgnore()
      .returning('id')
      .execute();
    const id = (result.raw as { id: string }[])[0]?.id;
    return id ? this.findById(id) : null;
  }
}
