import { apiHandler, HttpProblem, notFound } from '#http';
import { hosts, platforms, secrets } from '#stores';
import { platformIdPathSchema } from '#shared/api/schemas.ts';
import { platformSecretId } from '#shared/secrets/secret-store.ts';

/**
 * Hosts first, then the secret, then the row: if anything fails half-way the
 * platform still exists and a retried DELETE finishes the job.
 */
export const handler = apiHandler({ path: platformIdPathSchema }, async ({ path }) => {
  const id = path.platformId;
  const platform = await platforms().get(id);
  if (!platform) throw notFound('platform', id);
  if (platform.activeSyncTaskId) {
    throw new HttpProblem(409, 'Conflict', `a sync of platform ${id} is running; cancel it or wait for it to finish`, {
      extra: { taskId: platform.activeSyncTaskId },
    });
  }

  const at = new Date().toISOString();
  // markMissing records a task id on each host; a deletion has none, so the
  // hosts keep pointing at the last sync that touched them.
  const taskId = platform.lastSync?.taskId ?? `platform-deleted:${id}`;
  for await (const page of hosts().listPlatformHostKeys(id)) {
    const active = page.filter((host) => host.status === 'active').map((host) => host.id);
    if (active.length > 0) await hosts().markMissing(active, at, taskId);
  }
  await secrets().delete(platformSecretId(id));
  await platforms().delete(id);
  return { statusCode: 204 };
});
