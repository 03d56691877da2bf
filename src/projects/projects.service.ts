import { ConflictException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ProjectCreateRequest } from './dto/project.dto';
import { Project } from './project.entity';

/**
 * Projects one developer may own. GET /projects/ answers them all in one array (as the reference API
 * does, no pagination): with names ≤ 255 and descriptions ≤ 1,000 characters, 200 projects are at most
 * ~1.5 MB of JSON, so one developer cannot make that answer (or the memory behind it) grow without end.
 */
export const MAX_PROJECTS_PER_DEVELOPER = 200;

@Injectable()
export class ProjectsService {
  constructor(@InjectRepository(Project) private readonly projects: Repository<Project>) {}

  /**
   * 409 once the owner has MAX_PROJECTS_PER_DEVELOPER. The owner's user row is locked for the count and
   * the insert, so concurrent creations cannot go past the limit.
   */
  create(ownerId: string, input: ProjectCreateRequest): Promise<Project> {
    return this.projects.manager.transaction(async (manager) => {
      await manager.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [ownerId]);
      if ((await manager.count(Project, { where: { ownerId } })) >= MAX_PROJECTS_PER_DEVELOPER) {
        throw new ConflictException(
          `Project limit reached: a developer can own at most ${MAX_PROJECTS_PER_DEVELOPER} projects`,
        );
      }
      return manager.save(
        manager.create(Project, { ownerId, name: input.name, description: input.description ?? null }),
      );
    });
  }

  /** Only the owner's projects: the owner id is part of every list query. */
  listOwnedBy(ownerId: string): Promise<Project[]> {
    return this.projects.find({ where: { ownerId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Any project by id; ownership is decided by ProjectOwnershipGuard. */
  findById(id: string): Promise<Project | null> {
    return this.projects.findOneBy({ id });
  }
}
