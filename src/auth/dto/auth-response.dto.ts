import { ApiProperty } from '@nestjs/swagger';
import type { User } from '../../users/user.entity';

export class UserResponse {
  @ApiProperty({ type: String, format: 'uuid', title: 'Id' })
  id: string;

  @ApiProperty({ type: String, title: 'Email', example: 'dev@example.com' })
  email: string;

  @ApiProperty({ type: String, nullable: true, title: 'Full Name', example: 'Ada Lovelace' })
  full_name: string | null;

  @ApiProperty({ type: String, title: 'Role', example: 'developer' })
  role: string;

  @ApiProperty({ type: Boolean, title: 'Is Active' })
  is_active: boolean;

  @ApiProperty({ type: String, format: 'date-time', title: 'Created At' })
  created_at: Date;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, title: 'Project Id' })
  project_id: string | null;

  static from(user: User): UserResponse {
    return Object.assign(new UserResponse(), {
      id: user.id,
      email: user.email,
      full_name: user.fullName,
      role: user.role,
      is_active: user.isActive,
      created_at: user.createdAt,
      project_id: null,
    });
  }
}

export class TokenResponse {
  @ApiProperty({
    type: String,
    title: 'Access Token',
    description: 'HS256 JWT; send it as `Authorization: Bearer <token>`.',
  })
  access_token: string;

  @ApiProperty({ type: String, nullable: true, title: 'Refresh Token', description: 'Always null: no refresh tokens' })
  refresh_token: string | null;

  @ApiProperty({ type: String, title: 'Token Type', example: 'bearer' })
  token_type: string;
}

/** The reference API's one-time provisioning data; documented for wire compatibility, never sent here. */
export class ProvisioningData {
  @ApiProperty({ type: String, format: 'uuid', nullable: true, required: false, title: 'Project Id' })
  project_id?: string | null;

  @ApiProperty({ type: String, nullable: true, required: false, title: 'Api Key' })
  api_key?: string | null;

  @ApiProperty({ type: String, nullable: true, required: false, title: 'Developer Key' })
  developer_key?: string | null;
}

export class RegistrationResponse extends UserResponse {
  @ApiProperty({
    type: () => ProvisioningData,
    nullable: true,
    required: false,
    description: 'Part of the reference API; this service does not provision anything and omits it.',
  })
  provisioning?: ProvisioningData | null;

  @ApiProperty({ type: String, nullable: true, title: 'Access Token' })
  access_token: string | null;

  @ApiProperty({ type: String, nullable: true, title: 'Refresh Token', description: 'Always null: no refresh tokens' })
  refresh_token: string | null;

  @ApiProperty({ type: String, nullable: true, title: 'Token Type', default: 'bearer' })
  token_type: string | null;
}
