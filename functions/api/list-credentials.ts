import { apiHandler } from '#http';
import { credentials } from '#stores';
import { listQuerySchema } from '#shared/api/schemas.ts';
import { toCredentialView } from '#shared/domain/credential.ts';

/** GET /api/credentials: profile metadata only (the material never leaves the secret store through the API). */
export const handler = apiHandler({ query: listQuerySchema }, async ({ query }) => {
  const page = await credentials().list({ limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
  return { statusCode: 200, body: { items: page.items.map(toCredentialView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) } };
});
