/**
 * The prefix of every API route (`app.setGlobalPrefix`, see HttpWireModule.configure): controllers
 * name their path below it. Swagger UI (/docs) and the served spec (/openapi.json, /openapi.yaml)
 * are not Nest routes and stay outside it.
 */
export const API_PREFIX = 'api/v1';
