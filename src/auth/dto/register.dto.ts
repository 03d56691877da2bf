import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, MaxLength, MinLength, ValidateBy } from 'class-validator';
import { emailLookAlikeProblem, normalizeEmail } from '../../users/email-address';

/** Login: trimmed and lower-cased only; the lookup tries this form (how older rows were stored) and the normalised one. */
const lowerCaseTrimmed = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

const normalized = ({ value }: { value: unknown }) => (typeof value === 'string' ? normalizeEmail(value) : value);

/** Refuses invisible characters and local parts mixing scripts (look-alike addresses): 422 value_error. */
function HasNoLookAlikeCharacters(): PropertyDecorator {
  return ValidateBy({
    name: 'emailCharacters',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || emailLookAlikeProblem(value) === null,
      defaultMessage: (args) => emailLookAlikeProblem(String(args?.value)) ?? 'value is not a valid email address',
    },
  });
}

export class UserCreateRequest {
  @ApiProperty({
    type: String,
    format: 'email',
    title: 'Email',
    maxLength: 320,
    example: 'dev@example.com',
    description:
      'Stored normalised (NFKC, lower case, domain in IDNA ASCII form): `Dev@Bücher.example` and `dev@xn--bcher-kva.example` are one address. Invisible characters and a local part mixing scripts are refused.',
  })
  @Transform(normalized)
  @IsString()
  @MaxLength(320)
  @HasNoLookAlikeCharacters()
  @IsEmail({}, { message: 'value is not a valid email address' })
  email: string;

  @ApiProperty({
    type: String,
    minLength: 8,
    maxLength: 1024,
    title: 'Password',
    description: 'Password must be at least 8 characters long',
    example: 'correct-horse-battery',
  })
  @IsString()
  @MinLength(8, { message: 'Password must be at least 8 characters long' })
  @MaxLength(1024)
  password: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 255, title: 'Full Name', example: 'Ada Lovelace' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  full_name?: string | null;
}

export class UserLoginRequest {
  @ApiProperty({ type: String, format: 'email', title: 'Email', example: 'dev@example.com' })
  @Transform(lowerCaseTrimmed)
  @IsString()
  @MaxLength(320)
  email: string;

  @ApiProperty({ type: String, title: 'Password', example: 'correct-horse-battery' })
  @IsString()
  @MaxLength(1024)
  password: string;
}
