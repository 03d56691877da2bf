import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ProjectCreateRequest } from './dto/project.dto';
import { Project } from './project.entity';

@Injectable()
export class ProjectsService {
  constructor(@InjectRepository(Project) private readonly projects: Repository<Project>) {}

  create(ownerId: string, input: ProjectCreateRequest): Promise<Project> {
    return this.projects.save(
      this.projects.create({ ownerId, name: input.name, description: input.description ?? null }),
    );
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
