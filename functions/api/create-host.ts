import { randomUUID } from 'node:crypto';
import { apiHandler, HttpProblem } from '#http';
import { credentials, hosts, secrets } from '#stores';
import { toSecret } from '#shared/domain/credential.ts';
import { createHostSchema, newRemoteHost, remoteHostId, toHostView } from '#shared/domain/host.ts';
import { hostSecretId } from '#shared/secrets/secret-store.ts';

const addressTaken = (hostId: string, address: string, port: number) =>
  new HttpProblem(409, 'Conflict', `host ${hostId} already has address ${address} port ${port}; change it with PATCH /api/hosts/${hostId}`, {
    errors: [{ path: 'body.address', message: `already used by host ${hostId}` }],
    extra: { hostId },
  });

/**
 * POST /api/hosts: one host added by hand. An address (with port) names at
 * most one host: a second one is a 409 naming the first. An unknown
 * credentialId is a 404 (like unknown ids anywhere in a body), nothing written.
 */
export const handler = apiHandler({ body: createHostSchema }, async ({ body }) => {
  if (body.credentialId !== undefined && !(await credentials().get(body.credentialId))) {
    throw new HttpProblem(404, 'Not Found', `credential profile ${body.credentialId} does not exist`, {
      errors: [{ path: 'body.credentialId', message: 'no credential profile has this id' }],
    });
  }
  const existing = await hosts().findByAddress(body.address, body.port);
  if (existing) throw addressTaken(existing.id, body.address, body.port);

  // The derived id, unless a host created for this address has moved to another one since.
  let id = remoteHostId(body.address, body.port);
  if (await hosts().get(id)) id = `host-${randomUUID()}`;
  const host = newRemoteHost(id, 'manual', body, new Date().toISOString());

  // Secret first: a host row never exists without its credential.
  if (body.credential) await secrets().put(hostSecretId(id), toSecret(body.credential));
  if (!(await hosts().create(host))) throw addressTaken(id, body.address, body.port);
  return { statusCode: 201, body: toHostView(host), headers: { location: `/api/hosts/${id}` } };
});
