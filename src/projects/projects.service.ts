import { ConflictException, Inject, Injectable } from '@nestjs/common';
import { ProjectCreateRequest } from './dto/project.dto';
import type { Project } from './project.entity';
import { projectsConfig, type ProjectsConfig } from './projects.config';
import { ProjectsRepository } from './projects.repository';

@Injectable()
export class ProjectsService {
  constructor(
    private readonly projects: ProjectsRepository,
    @Inject(projectsConfig.KEY) private readonly config: ProjectsConfig,
  ) {}

  /** 409 once the owner has `maxPerDeveloper` projects (checked and inserted under a lock per owner). */
  async create(ownerId: string, input: ProjectCreateRequest): Promise<Project> {
    const project = await this.projects.createWithinLimit(
      ownerId,
      { name: input.name, description: input.description ?? null },
      this.config.maxPerDeveloper,
    );
    if (!project) {
      throw new ConflictException(
        `Project limit reached: a developer can own at most ${this.config.maxPerDeveloper} projects`,
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
