import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { NoBidiControls } from '../../common/display-text';
import type { Project } from '../project.entity';

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class ProjectCreateRequest {
  @ApiProperty({ type: String, minLength: 1, maxLength: 255, title: 'Name', example: 'My SaaS' })
  @Transform(trimmed)
  @IsString()
  @MinLength(1, { message: 'name must not be empty' })
  @MaxLength(255)
  @NoBidiControls()
  name: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 1000,
    title: 'Description',
    example: 'Billing for my SaaS',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  @NoBidiControls()
  description?: string | null;
}

export class ProjectCreatedResponse {
  @ApiProperty({ type: String, format: 'uuid', title: 'Id' })
  id: string;
}

export class ProjectResponse {
  @ApiProperty({ type: String, format: 'uuid', title: 'Id' })
  id: string;

  @ApiProperty({ type: String, title: 'Name' })
  name: string;

  @ApiProperty({ type: String, nullable: true, title: 'Description' })
  description: string | null;

  @ApiProperty({
    type: Boolean,
    title: 'Is Active',
    description:
      'false: the project is off. Its data can be read and its configuration deactivated, but every other write is a 409 and its webhook deliveries are refused (400)',
  })
  is_active: boolean;

  @ApiProperty({ type: String, format: 'date-time', title: 'Created At' })
  created_at: Date;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, title: 'Updated At' })
  updated_at: Date | null;

  static from(project: Project): ProjectResponse {
    return Object.assign(new ProjectResponse(), {
      id: project.id,
      name: project.name,
      description: project.description,
      is_active: project.isActive,
      created_at: project.createdAt,
      updated_at: project.updatedAt,
    });
  }
}
