import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, map } from 'rxjs';
// eslint-disable-next-line no-restricted-imports -- layer exception: key shapes and masking move to src/stripe/ (house-data); remove the disable then
import { maskSecretsDeep } from '../credentials/mask';

/**
 * Safety net for success responses: whatever a handler returns, any string that still looks like a
 * Stripe key or webhook secret leaves the service masked. Responses are built from masked values in
 * the first place; this guards against a future mistake. (Errors are masked by ApiExceptionFilter.)
 */
@Injectable()
export class MaskingInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((body: unknown) => maskSecretsDeep(body)));
  }
}
