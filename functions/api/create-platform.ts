import { randomUUID } from 'node:crypto';
import { apiHandler } from '#http';
import { platforms, secrets } from '#stores';
import { createPlatformSchema, toPlatformView, type Platform } from '#shared/domain/platform.ts';
import { platformSecretId } from '#shared/secrets/secret-store.ts';
import { nextSyncAfter } from '#shared/sync/schedule.ts';

export const handler = apiHandler({ body: createPlatformSchema }, async ({ body }) => {
  const now = new Date();
  const { password, schedule, ...fields } = body;
  const platform: Platform = {
    ...fields,
    id: randomUUID(),
    schedule: schedule ?? null,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    ...(schedule ? { nextSyncAt: nextSyncAfter(now, schedule.everyMinutes) } : {}),
  };
  // Secret first: a platform row never exists without its credentials.
  await secrets().put(platformSecretId(platform.id), { username: body.username, password });
  await platforms().create(platform);
  return { statusCode: 201, body: toPlatformView(platform), headers: { location: `/api/virtualization/${platform.id}` } };
});
