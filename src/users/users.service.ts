import { Injectable } from '@nestjs/common';
import { normalizeEmail } from './email-address';
import type { User } from './user.entity';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(private readonly users: UsersRepository) {}

  findById(id: string): Promise<User | null> {
    return this.users.findById(id);
  }

  /**
   * The account of an address in any spelling: its normalised form, or exactly the form older versions
   * stored (trimmed, lower-cased) for a row the NormalizeUserEmails migration could not rewrite.
   */
  async findByEmail(email: string): Promise<User | null> {
    const legacy = email.trim().toLowerCase();
    const normalized = normalizeEmail(email);
    const users = await this.users.findByEmails([...new Set([legacy, normalized])]);
    return users.find((u) => u.email === legacy) ?? users.find((u) => u.email === normalized) ?? null;
  }

  /** Inserts a user; returns null when the email is already taken (unique constraint). */
  async create(input: { email: string; passwordHash: string; fullName: string | null }): Promise<User | null> {
    const id = await this.users.insertUnlessTaken({
      email: normalizeEmail(input.email),
      passwordHash: input.passwordHash,
      fullName: input.fullName,
    });
    return id ? this.findById(id) : null;
  }

  /** The role of an active user; null when the user is gone or inactive. */
  findActiveRole(userId: string): Promise<string | null> {
    return this.users.findActiveRole(userId);
  }
}
