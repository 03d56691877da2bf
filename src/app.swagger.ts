import type { INestApplication } from '@nestjs/common';
import { HTTP_BEARER_SCHEME, OAUTH2_SCHEME } from './auth/api-developer-auth.decorator';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { API_PREFIX } from './common/api-prefix';
import { finalizeOpenApiDocument } from './openapi/finalize-document';

/** The spec served at /openapi.json and committed as openapi/openapi.json (`npm run openapi`). */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Stripe Configuration Service')
    .setDescription(
      'Store, check and manage the Stripe credentials of each of your projects. Credentials are encrypted at rest and only ever returned masked (`sk_test_...aBcD`).',
    )
    .setVersion('0.1.0')
    // An absolute URL generators can use as their base; the copy served at /docs and /openapi.json
    // names the origin it is served from instead (see servedDocument).
    .addServer(COMMITTED_SERVER_URL, 'Local development server (`npm start`)')
    .addTag('Authentication', 'Developer accounts and bearer tokens')
    .addTag('Project Management', "The developer's projects")
    .addTag('Stripe Configuration', 'Stripe credentials of a project: stored encrypted, returned masked')
    .addTag('Stripe Webhooks', "Stripe's webhook deliveries to a project, and their setup in Stripe")
    .addTag('Stripe Integration Health', "What is wrong with a project's Stripe set-up, and why")
    .addTag('Payments', "Subscriptions, payments and revenue across the developer's projects (the payments ledger)")
    .addTag('Health', 'Liveness and database readiness probes')
    // Two ways to the same bearer token (each secured operation accepts either, see ApiDeveloperAuth):
    // Authorize with email and password, or a pasted token.
    .addOAuth2(
      {
        type: 'oauth2',
        description: `Sign in with your developer account: **username** is the account's email, **password** its password. Leave client_id and client_secret empty. The token comes from \`POST /${API_PREFIX}/auth/login\` and is sent as \`Authorization: Bearer <token>\`.`,
        flows: { password: { tokenUrl: `/${API_PREFIX}/auth/login`, scopes: {} } },
      },
      OAUTH2_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: `Paste a token from \`POST /${API_PREFIX}/auth/login\` or \`/auth/register\` (\`access_token\`, without "Bearer "); it is sent as \`Authorization: Bearer <token>\`.`,
      },
      HTTP_BEARER_SCHEME,
    )
    .build();
  // DocumentBuilder always writes an empty `contact` and a license `url`; this service has neither.
  delete config.info.contact;
  config.info.license = { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' } as typeof config.info.license;
  return finalizeOpenApiDocument(
    SwaggerModule.createDocument(app, config, {
      operationIdFactory: (_controllerKey: string, methodKey: string) => methodKey,
    }),
  );
}

/** The server named in the committed spec: where `npm start` listens by default. */
// 127.0.0.1 rather than localhost: `npm start` binds IPv4 (0.0.0.0), and localhost may resolve to ::1 first.
const COMMITTED_SERVER_URL = 'http://127.0.0.1:3000';

const HOST_HEADER = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/;

/**
 * The spec as served (/docs, /openapi.json, /openapi.yaml): the committed one, with `servers` naming
 * the origin the request reached, so Swagger UI's "Try it out" and a generator pointed at the live
 * spec call this very server. A Host header that is not a plain host[:port] falls back to `/`.
 */
function servedDocument(
  document: OpenAPIObject,
  request: { protocol?: string; headers: Record<string, unknown> },
): OpenAPIObject {
  const host = request.headers.host;
  const protocol = request.protocol === 'https' ? 'https' : 'http';
  const url = typeof host === 'string' && HOST_HEADER.test(host) ? `${protocol}://${host}` : '/';
  return { ...document, servers: [{ url, description: 'This server' }] };
}

export function setupSwagger(app: INestApplication): void {
  // A factory: @nestjs/swagger builds the document on the first request for /docs or the spec and keeps
  // it, so start-up does not pay for scanning every route's decorators (docs/benchmarks.md).
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
    swaggerOptions: { persistAuthorization: true },
    // The Authorize dialog's paragraphs about OAuth2 scopes: this API has none, the scheme's own
    // description says what to type.
    customCss: '.auth-container .scope-def { display: none; }',
    patchDocumentOnRequest: (request, _reply, doc) =>
      servedDocument(doc, request as { protocol?: string; headers: Record<string, unknown> }),
  });
}
