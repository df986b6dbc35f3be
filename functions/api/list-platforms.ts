import { apiHandler } from '#http';
import { platforms } from '#stores';
import { listQuerySchema } from '#shared/api/schemas.ts';
import { toPlatformView } from '#shared/domain/platform.ts';

export const handler = apiHandler({ query: listQuerySchema }, async ({ query }) => {
  const page = await platforms().list({ limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
  return { statusCode: 200, body: { items: page.items.map(toPlatformView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) } };
});
