import { apiHandler, HttpProblem, notFound } from '#http';
import { credentials, hosts, secrets } from '#stores';
import { credentialIdPathSchema } from '#shared/api/schemas.ts';
import { credentialSecretId } from '#shared/secrets/secret-store.ts';

const shownHosts = 10;

/**
 * DELETE /api/credentials/{credentialId}: refused with 409 (naming up to ten
 * of them in `hostIds`) while hosts use the profile. The check is one query
 * on the hosts' `byCredential` index; index reads trail writes by a moment,
 * so a host pointed at the profile in the same second may slip through (its
 * collection then fails for want of a credential, and it can be re-pointed).
 * Row first, then the secret.
 */
export const handler = apiHandler({ path: credentialIdPathSchema }, async ({ path }) => {
  const id = path.credentialId;
  if (!(await credentials().get(id))) throw notFound('credential profile', id);
  const users = await hosts().listHostsByCredential(id, shownHosts);
  if (users.length > 0) {
    throw new HttpProblem(409, 'Conflict', `credential profile ${id} is used by hosts (${users.map((host) => host.id).join(', ')}${users.length === shownHosts ? ', ...' : ''}); point them elsewhere first`, {
      extra: { hostIds: users.map((host) => host.id) },
    });
  }
  if (!(await credentials().delete(id))) throw notFound('credential profile', id);
  await secrets().delete(credentialSecretId(id));
  return { statusCode: 204 };
});
