/** The response header that carries the request id (see common/request-context.ts for how it is chosen). */
export const REQUEST_ID_HEADER = 'X-Request-Id';
