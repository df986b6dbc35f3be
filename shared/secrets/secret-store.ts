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
