import { apiHandler } from '#http';
import { hosts } from '#stores';
import { hostListQuerySchema } from '#shared/api/schemas.ts';
import { toHostView } from '#shared/domain/host.ts';
import type { HostFilter } from '#shared/store/host-store.ts';

export const handler = apiHandler({ query: hostListQuerySchema }, async ({ query }) => {
  const { limit, cursor, ...criteria } = query;
  const filter: HostFilter = Object.fromEntries(Object.entries(criteria).filter(([, value]) => value !== undefined));
  const page = await hosts().list(filter, { limit, ...(cursor ? { cursor } : {}) });
  return { statusCode: 200, body: { items: page.items.map(toHostView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) } };
});
