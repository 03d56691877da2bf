import { applyDecorators } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

/** Operation extensions that finalizeOpenApiDocument turns into spec content and then removes. */
export const REQUEST_EXAMPLE_EXTENSION = 'x-request-example';
export const TRAILING_SLASH_EXTENSION = 'x-path-with-trailing-slash';

export interface RequestExample {
  summary: string;
  value: Record<string, unknown>;
}

/**
 * The example request body of an operation, declared beside it: what Swagger UI pre-fills in "Try it
 * out" (without one, the UI invents values from the schema's patterns, live keys included). It
 * becomes the JSON body's only named example in the spec. Each must be safe to execute as it is:
 * test/openapi-spec.e2e-spec.ts checks that every body has one, and the browser test runs them.
 */
export function ApiRequestExample(example: RequestExample): MethodDecorator {
  return applyDecorators(ApiExtension(REQUEST_EXAMPLE_EXTENSION, example));
}

/**
 * The operation's path is written with a trailing slash in the spec, as the reference API writes it
 * (Nest registers it without; the router serves both), so that generated clients call the same URL.
 * Every operation of that path carries it.
 */
export function ApiPathWithTrailingSlash(): MethodDecorator {
  return applyDecorators(ApiExtension(TRAILING_SLASH_EXTENSION, true));
}
