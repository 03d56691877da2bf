import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * A 503 or 429 `{"detail"}` that says when to come back: ApiExceptionFilter sends `retryAfterSeconds`
 * as the `Retry-After` header.
 */
export class RetryLaterException extends HttpException {
  constructor(
    detail: string,
    readonly retryAfterSeconds: number,
    status: HttpStatus.SERVICE_UNAVAILABLE | HttpStatus.TOO_MANY_REQUESTS = HttpStatus.SERVICE_UNAVAILABLE,
  ) {
    super({ detail }, status);
  }
}
