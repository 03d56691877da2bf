import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

const lowerCaseTrimmed = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

export class UserCreateRequest {
  @ApiProperty({ type: String, format: 'email', title: 'Email', maxLength: 320, example: 'dev@example.com' })
  @Transform(lowerCaseTrimmed)
  @IsString()
  @MaxLength(320)
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
