import { randomUUID } from 'node:crypto';
import { apiHandler } from '#http';
import { credentials, secrets } from '#stores';
import { authTypeOf, createCredentialSchema, toCredentialView, toSecret, type CredentialProfile } from '#shared/domain/credential.ts';
import { credentialSecretId } from '#shared/secrets/secret-store.ts';

/** POST /api/credentials: a named profile many hosts can share. 201 with its metadata, never the material. */
export const handler = apiHandler({ body: createCredentialSchema }, async ({ body }) => {
  const now = new Date().toISOString();
  const { name, ...material } = body;
  const profile: CredentialProfile = { id: randomUUID(), name, username: material.username, authType: authTypeOf(material), createdAt: now, updatedAt: now };
  // Secret first: a profile row never exists without its material.
  await secrets().put(credentialSecretId(profile.id), toSecret(material));
  await credentials().create(profile);
  return { statusCode: 201, body: toCredentialView(profile) };
});
