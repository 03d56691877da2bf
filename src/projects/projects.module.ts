import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProjectOwnershipGuard } from './guards/project-ownership.guard';
import { Project } from './project.entity';
import { ProjectsController } from './projects.controller';
import { ProjectsService } from './projects.service';

@Module({
  imports: [TypeOrmModule.forFeature([Project])],
  controllers: [ProjectsController],
  providers: [ProjectsService, ProjectOwnershipGuard],
  exports: [ProjectsService, ProjectOwnershipGuard],
})
export class ProjectsModule {}
