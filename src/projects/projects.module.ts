import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { ProjectOwnershipGuard } from './guards/project-ownership.guard';
import { ProjectsController } from './projects.controller';
import { ProjectsRepository } from './projects.repository';
import { ProjectsService } from './projects.service';

@Module({
  imports: [UsersModule],
  controllers: [ProjectsController],
  providers: [ProjectsService, ProjectsRepository, ProjectOwnershipGuard],
  // The guard is built in the modules of the controllers it guards: they need what it injects.
  exports: [ProjectsService, ProjectsRepository, UsersModule, ProjectOwnershipGuard],
})
export class ProjectsModule {}
