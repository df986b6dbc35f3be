import { apiHandler, notFound } from '#http';
import { hosts, platforms, secrets } from '#stores';
import { hostIdPathSchema } from '#shared/api/schemas.ts';
import { isRemoteHost } from '#shared/domain/host.ts';
import { hostSecretId } from '#shared/secrets/secret-store.ts';

/**
 * DELETE /api/hosts/{hostId}: the row first, then the host's own (inline)
 * secret, so a row never exists without its credential. A shared profile is
 * left alone. A platform host can be deleted too; its platform's next sync
 * brings it back if vSphere still has it.
 */
export const handler = apiHandler({ path: hostIdPathSchema }, async ({ path }) => {
  const deleted = await hosts().delete(path.hostId);
  if (!deleted) throw notFound('host', path.hostId);
  if (isRemoteHost(deleted) && deleted.credentialRef.type === 'inline') await secrets().delete(hostSecretId(deleted.id));
  // The last sync's hashes still list the host: without them the next sync re-creates it.
  if (deleted.source === 'platform' && deleted.platformId) await platforms().clearInventory(deleted.platformId);
  return { statusCode: 204 };
});
