import { apiHandler, notFound } from '#http';
import { hosts } from '#stores';
import { hostIdPathSchema } from '#shared/api/schemas.ts';
import { toHostView } from '#shared/domain/host.ts';

export const handler = apiHandler({ path: hostIdPathSchema }, async ({ path }) => {
  const host = await hosts().get(path.hostId);
  if (!host) throw notFound('host', path.hostId);
  return { statusCode: 200, body: toHostView(host) };
});
