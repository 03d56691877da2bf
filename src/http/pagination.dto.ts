import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

const MAX_PAGE_SIZE = 100;

/** Query strings are text: turn plain digit strings into numbers, leave anything else for the validators to refuse. */
export const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;

/** `?page=1&page_size=20`: the one pagination of every list endpoint (answered as `{items, total, page, page_size}`). */
export class PaginationQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100000, default: 1, title: 'Page' })
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'page must be an integer' })
  @Min(1)
  @Max(100000)
  page: number = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 20, title: 'Page Size' })
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'page_size must be an integer' })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  page_size: number = 20;
}
