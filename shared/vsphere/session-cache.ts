// One vSphere session per Lambda container: module state survives between
// invocations of a warm container, so the Login (and its SSO round trips) is paid
// once. A change of settings (rotated password, new thumbprint) replaces the session.
import { createHash } from 'node:crypto';
import { VsphereClient, type VsphereConnectionSettings } from './client.ts';

interface CachedSession {
  fingerprint: string;
  client: VsphereClient;
}

const sessions = new Map<string, CachedSession>();

/** Hash of the settings, so the cache compares them without keeping a second copy in clear. */
function fingerprintOf(settings: VsphereConnectionSettings): string {
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex');
}

/**
 * The client for `key` (a platform id), logged in. Reused across invocations;
 * expired sessions are renewed by the client itself on NotAuthenticated.
 */
export async function getVsphereSession(key: string, settings: VsphereConnectionSettings): Promise<VsphereClient> {
  const fingerprint = fingerprintOf(settings);
  let cached = sessions.get(key);
  if (cached && cached.fingerprint !== fingerprint) {
    sessions.delete(key);
    void cached.client.close().catch(() => undefined);
    cached = undefined;
  }
  if (!cached) {
    cached = { fingerprint, client: new VsphereClient(settings) };
    sessions.set(key, cached);
  }
  await cached.client.connect();
  return cached.client;
}

/** Logs out and forgets every cached session (tests, container shutdown). */
export async function closeVsphereSessions(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  await Promise.all(all.map((s) => s.client.close().catch(() => undefined)));
}
