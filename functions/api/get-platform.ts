import { apiHandler, notFound } from '#http';
import { platforms } from '#stores';
import { platformIdPathSchema } from '#shared/api/schemas.ts';
import { toPlatformView } from '#shared/domain/platform.ts';

export const handler = apiHandler({ path: platformIdPathSchema }, async ({ path }) => {
  const platform = await platforms().get(path.platformId);
  if (!platform) throw notFound('platform', path.platformId);
  return { statusCode: 200, body: toPlatformView(platform) };
});
