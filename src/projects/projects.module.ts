import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProjectOwnershipGuard } from './guards/project-ownership.guard';
import { ProjectAccessRepository } from './project-access.repository';
import { Project } from './project.entity';
import { ProjectsController } from './projects.controller';
import { ProjectsService } from './projects.service';

@Module({
  imports: [TypeOrmModule.forFeature([Project])],
  controllers: [ProjectsController],
  providers: [ProjectsService, ProjectAccessRepository, ProjectOwnershipGuard],
  exports: [ProjectsService, ProjectAccessRepository, ProjectOwnershipGuard],
})
export class ProjectsModule {}
