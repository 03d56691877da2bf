import { ApiProperty } from '@nestjs/swagger';

/** Body of every error except validation errors: `{"detail": "message"}`. */
export class HTTPError {
  @ApiProperty({ type: String, description: 'What went wrong, for a human.', example: 'Project not found' })
  detail: string;
}

export class ValidationError {
  @ApiProperty({
    type: 'array',
    items: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
    title: 'Location',
    example: ['body', 'test_secret_key'],
  })
  loc: (string | number)[];

  @ApiProperty({ type: String, title: 'Message', example: 'test_secret_key must start with sk_test_ or rk_test_' })
  msg: string;

  @ApiProperty({ type: String, title: 'Error Type', example: 'string_pattern_mismatch' })
  type: string;
}

/** Body of a 422: `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`. */
export class HTTPValidationError {
  // Not required in the reference API's schema (always sent here).
  @ApiProperty({ type: () => [ValidationError], title: 'Detail', required: false })
  detail: ValidationError[];
}
