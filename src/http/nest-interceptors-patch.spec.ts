import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { InterceptorsConsumer } from '@nestjs/core/interceptors/interceptors-consumer';
import { lastValueFrom, type Observable } from 'rxjs';

/**
 * patches/@nestjs+core+11.2.10.patch (applied by `postinstall: patch-package` on every npm ci): Nest's
 * interceptor chain must not use the static `AsyncResource.bind`, which goes through util.deprecate on
 * Node 20–24 (nodejs/node#58218; the CPU cost per request is in docs/benchmarks.md), and must still carry the async context (AsyncLocalStorage) into the handler. This fails when the patch stops applying (e.g. after
 * a Nest upgrade): then check whether the new release still needs it.
 */
describe('@nestjs/core InterceptorsConsumer (patched)', () => {
  afterEach(() => jest.restoreAllMocks());

  it('runs the interceptors and the handler without AsyncResource.bind, in the caller’s async context', async () => {
    const bind = jest.spyOn(AsyncResource, 'bind');
    const storage = new AsyncLocalStorage<string>();
    const passThrough: NestInterceptor = {
      intercept: (_context: ExecutionContext, next: CallHandler): Observable<unknown> => next.handle(),
    };
    const consumer = new InterceptorsConsumer();
    const result = await storage.run('request-1', async () =>
      lastValueFrom(
        (await consumer.intercept(
          [passThrough, passThrough],
          [],
          new (class Controller {})(),
          () => undefined,
          // The handler reads the context after an await, as a real one does after a query.
          async () => {
            await new Promise((resolve) => setImmediate(resolve));
            return storage.getStore();
          },
          'http',
        )) as Observable<unknown>,
      ),
    );
    expect(result).toBe('request-1');
    expect(bind).not.toHaveBeenCalled();
  });
});
