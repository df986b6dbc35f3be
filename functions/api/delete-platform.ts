import { apiHandler, HttpProblem, notFound } from '#http';
import { hosts, platforms, secrets } from '#stores';
import { platformIdPathSchema } from '#shared/api/schemas.ts';
import { platformSecretId } from '#shared/secrets/secret-store.ts';

const syncRunning = (id: string, taskId: string) =>
  new HttpProblem(409, 'Conflict', `a sync of platform ${id} is running; wait for it to finish`, { extra: { taskId } });

/**
 * Hosts first, then the row, then the secret: if anything fails half-way the
 * platform still exists and a retried DELETE finishes the job. The row is
 * deleted only if no sync took the lock meanwhile (one conditional write).
 */
export const handler = apiHandler({ path: platformIdPathSchema }, async ({ path }) => {
  const id = path.platformId;
  const platform = await platforms().get(id);
  if (!platform) throw notFound('platform', id);
  if (platform.activeSyncTaskId) throw syncRunning(id, platform.activeSyncTaskId);

  const at = new Date().toISOString();
  for await (const page of hosts().listPlatformHostKeys(id)) {
    const active = page.filter((host) => host.status === 'active').map((host) => host.id);
    if (active.length > 0) await hosts().markMissing(active, at);
  }
  const deleted = await platforms().delete(id);
  if (deleted.outcome === 'not-found') throw notFound('platform', id);
  if (deleted.outcome === 'sync-running') throw syncRunning(id, deleted.runningTaskId);
  await secrets().delete(platformSecretId(id));
  return { statusCode: 204 };
});
