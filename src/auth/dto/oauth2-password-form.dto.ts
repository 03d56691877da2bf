import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Documentation only: the OAuth2 password-grant form that /auth/login also accepts. */
export class OAuth2PasswordForm {
  @ApiPropertyOptional({ type: String, pattern: '^password$', description: 'OAuth2 grant type' })
  grant_type?: string;

  @ApiProperty({ type: String, description: 'The account email' })
  username: string;

  @ApiProperty({ type: String })
  password: string;
}
