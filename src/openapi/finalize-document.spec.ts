import type { OpenAPIObject } from '@nestjs/swagger';
import { finalizeOpenApiDocument, sortKeys } from './finalize-document';
import { REQUEST_EXAMPLE_EXTENSION, TRAILING_SLASH_EXTENSION } from './openapi.decorators';

const doc = (paths: object, schemas: object = {}) =>
  ({ openapi: '3.0.0', info: { title: 't', version: '1' }, paths, components: { schemas } }) as unknown as OpenAPIObject;

describe('finalizeOpenApiDocument', () => {
  it('writes nullability the OpenAPI 3.1 way', () => {
    const result = finalizeOpenApiDocument(
      doc({}, {
        A: {
          type: 'object',
          properties: {
            name: { type: 'string', nullable: true, title: 'Name', pattern: '^x$' },
            ref: { allOf: [{ $ref: '#/components/schemas/B' }], type: 'object', nullable: true, description: 'd' },
            plain: { type: 'string' },
          },
        },
      }),
    );
    expect(result.openapi).toBe('3.1.0');
    expect(result.components?.schemas?.A).toEqual({
      type: 'object',
      properties: {
        name: { type: ['string', 'null'], title: 'Name', pattern: '^x$' },
        ref: { description: 'd', anyOf: [{ allOf: [{ $ref: '#/components/schemas/B' }], type: 'object' }, { type: 'null' }] },
        plain: { type: 'string' },
      },
    });
  });

  it('writes a path marked with @ApiPathWithTrailingSlash with its slash and marks operations without security public', () => {
    const result = finalizeOpenApiDocument(
      doc({
        '/api/v1/projects': {
          get: { security: [{ HTTPBearer: [] }], responses: {}, [TRAILING_SLASH_EXTENSION]: true },
          post: { security: [{ HTTPBearer: [] }], responses: {}, [TRAILING_SLASH_EXTENSION]: true },
        },
        '/api/v1/auth/login': { post: { responses: {} } },
      }),
    );
    expect(Object.keys(result.paths)).toEqual(['/api/v1/auth/login', '/api/v1/projects/']);
    expect(result.paths['/api/v1/auth/login'].post?.security).toEqual([]);
    expect(result.paths['/api/v1/projects/'].get).toEqual({ security: [{ HTTPBearer: [] }], responses: {} });
    expect(result.paths['/api/v1/projects/'].post).not.toHaveProperty(TRAILING_SLASH_EXTENSION);
  });

  it("puts an operation's @ApiRequestExample on its JSON body and leaves no extension behind", () => {
    const example = { summary: 'A project', value: { name: 'My SaaS' } };
    const result = finalizeOpenApiDocument(
      doc({
        '/api/v1/x': {
          post: {
            requestBody: { content: { 'application/json': { schema: {} } } },
            responses: {},
            [REQUEST_EXAMPLE_EXTENSION]: example,
          },
        },
      }),
    );
    const post = result.paths['/api/v1/x'].post;
    expect(post).not.toHaveProperty(REQUEST_EXAMPLE_EXTENSION);
    expect((post?.requestBody as { content: Record<string, unknown> }).content['application/json']).toEqual({
      schema: {},
      examples: { example },
    });
  });

  it('sorts object keys at every level and keeps array order', () => {
    expect(JSON.stringify(sortKeys({ b: 1, a: { d: [3, 1], c: null } }))).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
  });
});
