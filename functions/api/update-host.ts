import { apiHandler, badRequest, HttpProblem, notFound } from '#http';
import { credentials, hosts, secrets } from '#stores';
import { hostIdPathSchema } from '#shared/api/schemas.ts';
import { toSecret } from '#shared/domain/credential.ts';
import { contentHashOf, factsOf, isRemoteHost, toHostView, updateHostSchema, type Host, type RemoteHost } from '#shared/domain/host.ts';
import { hostSecretId } from '#shared/secrets/secret-store.ts';

/**
 * PATCH /api/hosts/{hostId} for hosts added by hand or by scan: name, address,
 * port, kind, credential (inline, replaces the whole credential) or
 * credentialId (a profile), resetHostKey. Hosts from a platform are maintained
 * by its sync (which rewrites name and kind from vSphere): every field is a
 * 400 for them. Changing the address keeps the pinned host key; reset it
 * explicitly if the machine changed.
 */
export const handler = apiHandler({ path: hostIdPathSchema, body: updateHostSchema }, async ({ path, body }) => {
  const id = path.hostId;
  const current = await hosts().get(id);
  if (!current) throw notFound('host', id);
  if (!isRemoteHost(current)) {
    const message = `host ${id} comes from a platform; its sync maintains it, only hosts added by hand or by scan can be changed`;
    throw badRequest(message, Object.keys(body).map((field) => ({ path: `body.${field}`, message: 'not changeable on a platform host' })));
  }

  if (body.credentialId !== undefined && !(await credentials().get(body.credentialId))) {
    throw new HttpProblem(404, 'Not Found', `credential profile ${body.credentialId} does not exist`, {
      errors: [{ path: 'body.credentialId', message: 'no credential profile has this id' }],
    });
  }
  const address = body.address ?? current.address;
  const port = body.port ?? current.port;
  if (address !== current.address || port !== current.port) {
    const other = await hosts().findByAddress(address, port);
    if (other && other.id !== id) {
      throw new HttpProblem(409, 'Conflict', `host ${other.id} already has address ${address} port ${port}`, {
        errors: [{ path: body.address !== undefined ? 'body.address' : 'body.port', message: `already used by host ${other.id}` }],
        extra: { hostId: other.id },
      });
    }
  }

  const changes: Partial<RemoteHost> = {};
  const remove: (keyof RemoteHost)[] = [];
  if (body.name !== undefined) {
    changes.name = body.name;
    changes.searchName = body.name.toLowerCase();
  }
  if (body.address !== undefined) changes.address = body.address;
  if (body.port !== undefined) changes.port = body.port;
  if (body.kind !== undefined) changes.kind = body.kind;
  if (body.credential !== undefined) {
    changes.credentialRef = { type: 'inline' };
    remove.push('credentialId');
  }
  if (body.credentialId !== undefined) {
    changes.credentialRef = { type: 'profile', id: body.credentialId };
    changes.credentialId = body.credentialId;
  }
  if (body.resetHostKey === true) changes.hostKeyResetRequested = true;
  if (body.resetHostKey === false) remove.push('hostKeyResetRequested');
  if (body.name !== undefined || body.kind !== undefined) changes.contentHash = contentHashOf(factsOf({ ...current, ...changes } as Host));

  // Secret first: the row never points at an inline credential that is not there.
  if (body.credential !== undefined) await secrets().put(hostSecretId(id), toSecret(body.credential));
  const updated = await hosts().update(id, changes, remove);
  if (!updated) throw notFound('host', id);
  // From an inline credential to a profile: the host's own secret is no longer used.
  if (body.credentialId !== undefined && current.credentialRef.type === 'inline') await secrets().delete(hostSecretId(id));
  return { statusCode: 200, body: toHostView(updated) };
});
