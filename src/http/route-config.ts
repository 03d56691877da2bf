import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';

/**
 * Adds `config` to an operation's Fastify route config (what `RouteConfig` of @nestjs/platform-fastify
 * sets), keeping what other decorators put there: `RouteConfig` replaces the whole object, so that of
 * two such decorators on one method only one would count. Read by the `onRoute` hooks (body parsing,
 * per-developer limits) when the route is registered.
 */
export const WithRouteConfig =
  (config: Record<string, unknown>): MethodDecorator =>
  (_target, _key, descriptor) => {
    const handler = descriptor.value as object;
    const existing = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) ?? {}) as Record<string, unknown>;
    Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...existing, ...config }, handler);
    return descriptor;
  };
