import type { CredentialProfile } from '#shared/domain/credential.ts';
import type { Page } from './cursor.ts';

/** Credential profile metadata. The material itself is in the secret store (`credential/<id>`). */
export interface CredentialStore {
  /** Fails if the id is taken. */
  create(profile: CredentialProfile): Promise<void>;
  get(id: string): Promise<CredentialProfile | undefined>;
  /** Profiles by id, in no particular order; unknown ids are simply absent. */
  getMany(ids: string[]): Promise<CredentialProfile[]>;
  list(options: { limit: number; cursor?: string }): Promise<Page<CredentialProfile>>;
  /** Deletes the row; resolves the deleted profile, or undefined when it did not exist. */
  delete(id: string): Promise<CredentialProfile | undefined>;
}
