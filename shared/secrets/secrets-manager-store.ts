import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  ResourceExistsException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from './secret-store.ts';

/** One Secrets Manager secret per platform or credential, named `<prefix><id>`. */
export class SecretsManagerStore implements SecretStore {
  readonly #client: SecretsManagerClient;
  readonly #prefix: string;

  constructor(client: SecretsManagerClient, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  async put(id: string, secret: Record<string, string>): Promise<void> {
    const SecretString = JSON.stringify(secret);
    try {
      await this.#client.send(new CreateSecretCommand({ Name: this.#name(id), SecretString }));
    } catch (error) {
      if (!(error instanceof ResourceExistsException)) throw error;
      await this.#client.send(new PutSecretValueCommand({ SecretId: this.#name(id), SecretString }));
    }
  }

  async get(id: string): Promise<Record<string, string> | undefined> {
    try {
      const { SecretString } = await this.#client.send(new GetSecretValueCommand({ SecretId: this.#name(id) }));
      return SecretString ? (JSON.parse(SecretString) as Record<string, string>) : undefined;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  async delete(id: string): Promise<void> {
    try {
      await this.#client.send(new DeleteSecretCommand({ SecretId: this.#name(id), RecoveryWindowInDays: 7 }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }

  #name(id: string): string {
    return `${this.#prefix}${id}`;
  }
}
