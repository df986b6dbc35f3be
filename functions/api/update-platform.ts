import { apiHandler, notFound } from '#http';
import { platforms, secrets } from '#stores';
import { platformIdPathSchema, updatePlatformSchema } from '#shared/api/schemas.ts';
import { toPlatformView, type Platform } from '#shared/domain/platform.ts';
import { platformSecretId } from '#shared/secrets/secret-store.ts';
import { nextSyncAfter } from '#shared/sync/schedule.ts';

export const handler = apiHandler({ path: platformIdPathSchema, body: updatePlatformSchema }, async ({ path, body }) => {
  const id = path.platformId;
  const current = await platforms().get(id);
  if (!current) throw notFound('platform', id);

  const now = new Date();
  const { password, schedule, ...fields } = body;
  const changes: Partial<Omit<Platform, 'id' | 'createdAt'>> = { ...fields, updatedAt: now.toISOString() };
  if (schedule) {
    changes.schedule = schedule;
    changes.nextSyncAt = nextSyncAfter(now, schedule.everyMinutes);
  }

  // The secret holds username and password together: re-write it when either changes.
  const usernameChanged = fields.username !== undefined && fields.username !== current.username;
  if (password !== undefined || usernameChanged) {
    const secretId = platformSecretId(id);
    const newPassword = password ?? (await secrets().get(secretId))?.['password'];
    if (newPassword !== undefined) await secrets().put(secretId, { username: fields.username ?? current.username, password: newPassword });
  }

  const updated = await platforms().update(id, changes, schedule === null);
  if (!updated) throw notFound('platform', id);
  return { statusCode: 200, body: toPlatformView(updated) };
});
