// Helpers for the unit specs beside the code (src/**/*.spec.ts).
import { HttpException, type ExecutionContext, type Type } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';

/**
 * The ExecutionContext Nest hands a guard for an HTTP request, for unit specs beside the code: the
 * request and reply objects, and the controller class and handler whose metadata the guard reads
 * (decorate a small class in the spec to give a route its decorators).
 */
export function httpContext(
  request: object,
  route: { controller?: Type<unknown>; handler?: (...args: never[]) => unknown; reply?: object } = {},
): ExecutionContext {
  const host = new ExecutionContextHost(
    [request, route.reply ?? {}],
    route.controller ?? class NoController {},
    route.handler ?? (() => undefined),
  );
  host.setType('http');
  return host;
}

/** The HttpException `promise` rejects with (the test fails when it resolves or throws something else). */
export async function httpError(promise: Promise<unknown>): Promise<HttpException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpException);
  return error as HttpException;
}
