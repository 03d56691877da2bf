import { ConflictException, Injectable } from '@nestjs/common';
import { ProjectCreateRequest } from './dto/project.dto';
import type { Project } from './project.entity';
import { ProjectsRepository } from './projects.repository';

/**
 * Projects one developer may own. GET /projects/ answers them all in one array (as the reference API
 * does, no pagination): with names ≤ 255 and descriptions ≤ 1,000 characters, 200 projects are at most
 * ~1.5 MB of JSON, so one developer cannot make that answer (or the memory behind it) grow without end.
 */
export const MAX_PROJECTS_PER_DEVELOPER = 200;

@Injectable()
export class ProjectsService {
  constructor(private readonly projects: ProjectsRepository) {}

  /** 409 once the owner has MAX_PROJECTS_PER_DEVELOPER (checked and inserted under a lock per owner). */
  async create(ownerId: string, input: ProjectCreateRequest): Promise<Project> {
    const project = await this.projects.createWithinLimit(
      ownerId,
      { name: input.name, description: input.description ?? null },
      MAX_PROJECTS_PER_DEVELOPER,
    );
    if (!project) {
      throw new ConflictException(
        `Project limit reached: a developer can own at most ${MAX_PROJECTS_PER_DEVELOPER} projects`,
      );
    }
    return project;
  }

  /** Only the owner's projects: the owner id is part of every list query. */
  listOwnedBy(ownerId: string): Promise<Project[]> {
    return this.projects.listOwnedBy(ownerId);
  }

  /** Any project by id; ownership is decided by ProjectOwnershipGuard. */
  findById(id: string): Promise<Project | null> {
    return this.projects.findById(id);
  }
}
