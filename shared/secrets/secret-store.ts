/**
 * Credentials live behind this interface: Secrets Manager in AWS, an
 * AES-256-GCM encrypted file store in the local stack. Callers pass ids around
 * and fetch the secret at the last moment, inside the Lambda that needs it.
 */
export interface SecretStore {
  put(id: string, secret: Record<string, string>): Promise<void>;
  get(id: string): Promise<Record<string, string> | undefined>;
  delete(id: string): Promise<void>;
}

export function platformSecretId(platformId: string): string {
  return `platform/${platformId}`;
}

/** A shared credential profile's material. */
export function credentialSecretId(credentialId: string): string {
  return `credential/${credentialId}`;
}

/** One host's inline credential. */
export function hostSecretId(hostId: string): string {
  return `host/${hostId}`;
}

/** Where the login of a host added by hand or by scan is kept: its profile's secret, or its own. */
export function remoteHostSecretId(host: { id: string; credentialRef: { type: 'profile'; id: string } | { type: 'inline' } }): string {
  return host.credentialRef.type === 'profile' ? credentialSecretId(host.credentialRef.id) : hostSecretId(host.id);
}
