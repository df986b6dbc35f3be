import { lookup } from 'node:dns/promises';
import { forbiddenResolution } from '#shared/domain/endpoint-guard.ts';
import type { Platform } from '#shared/domain/platform.ts';
import { platformSecretId } from '#shared/secrets/secret-store.ts';
import { toPlatformHostRecord, type PlatformInventory } from '#shared/sync/platform-inventory.ts';
import { discover, getVsphereSession, retrieveRecords } from '#shared/vsphere/index.ts';
import { secrets } from '#stores';

/** How long a warm container trusts a password it read, for a rotation made outside the API. */
const passwordTtlMs = 5 * 60_000;
const passwords = new Map<string, { version: string; password: string; expiresAt: number }>();

/**
 * The platform's password, read from the secret store once per container and
 * platform version rather than by every batch (a Secrets Manager call each in
 * AWS). A change through the API bumps updatedAt and so reads it again.
 */
async function passwordOf(platform: Platform): Promise<string> {
  const cached = passwords.get(platform.id);
  if (cached && cached.version === platform.updatedAt && cached.expiresAt > Date.now()) return cached.password;
  const secret = await secrets().get(platformSecretId(platform.id));
  if (!secret?.['password']) throw new Error(`the credentials of platform ${platform.id} are missing from the secret store`);
  passwords.set(platform.id, { version: platform.updatedAt, password: secret['password'], expiresAt: Date.now() + passwordTtlMs });
  return secret['password'];
}

/**
 * The vSphere side of a sync: the password is read from the secret store here,
 * inside the Lambda, and the logged-in session is reused by every later
 * invocation of this container.
 */
export async function connectPlatform(platform: Platform): Promise<PlatformInventory> {
  const refused = await forbiddenResolution(new URL(platform.endpoint).hostname, (host) => lookup(host, { all: true }));
  if (refused) throw new Error(`the vCenter endpoint is refused: ${refused}`);
  const client = await getVsphereSession(platform.id, {
    endpoint: platform.endpoint,
    username: platform.username,
    password: await passwordOf(platform),
    tls: platform.tls,
  });
  return {
    async *discover(kind) {
      for await (const page of discover(client, kind)) {
        yield page.map((object) => ({
          moref: object.moref,
          ...(object.instanceUuid ? { uuid: object.instanceUuid } : {}),
          ...(object.vmCount !== undefined ? { vmCount: object.vmCount } : {}),
        }));
      }
    },
    async fetch(kind, morefs) {
      const { records, missing } = await retrieveRecords(client, kind, morefs);
      return { records: records.map(toPlatformHostRecord), missing };
    },
  };
}
