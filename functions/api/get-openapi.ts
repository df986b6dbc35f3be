import { apiHandler } from '#http';
import { openApiDocument } from '#shared/api/openapi.ts';

export const handler = apiHandler({}, async () => ({
  statusCode: 200,
  body: openApiDocument(),
  headers: { 'cache-control': 'public, max-age=300' },
}));
