import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { User } from './user.entity';

@Injectable()
export class UsersService {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email: email.toLowerCase() });
  }

  /** Inserts a user; returns null when the email is already taken (unique constraint). */
  async create(input: { email: string; passwordHash: string; fullName: string | null }): Promise<User | null> {
    const result = await this.users
      .createQueryBuilder()
      .insert()
      .values({ email: input.email.toLowerCase(), passwordHash: input.passwordHash, fullName: input.fullName })
      .orIgnore()
      .returning('id')
      .execute();
    const id = (result.raw as { id: string }[])[0]?.id;
    return id ? this.findById(id) : null;
  }
}
