import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretStore } from './secret-store.ts';

const keyBytes = 32;
const ivBytes = 12;
const tagBytes = 16;

/**
 * The local stack's secret store: one AES-256-GCM file per secret under
 * `<dataDir>/secrets`, with a random key in `<dataDir>/secrets.key` (mode 0600).
 * The secret id is bound as associated data, so a file moved to another id
 * fails to decrypt instead of leaking into the wrong platform.
 */
export class FileSecretStore implements SecretStore {
  readonly #dir: string;
  readonly #keyFile: string;
  #key: Promise<Buffer> | undefined;

  constructor(dataDir: string) {
    this.#dir = join(dataDir, 'secrets');
    this.#keyFile = join(dataDir, 'secrets.key');
  }

  async put(id: string, secret: Record<string, string>): Promise<void> {
    const key = await this.#loadKey();
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(id));
    const body = Buffer.concat([cipher.update(JSON.stringify(secret), 'utf8'), cipher.final()]);
    const file = this.#fileOf(id);
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    await writeFile(`${file}.tmp`, Buffer.concat([iv, cipher.getAuthTag(), body]), { mode: 0o600 });
    await rename(`${file}.tmp`, file);
  }

  async get(id: string): Promise<Record<string, string> | undefined> {
    let data: Buffer;
    try {
      data = await readFile(this.#fileOf(id));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const decipher = createDecipheriv('aes-256-gcm', await this.#loadKey(), data.subarray(0, ivBytes));
    decipher.setAAD(Buffer.from(id));
    decipher.setAuthTag(data.subarray(ivBytes, ivBytes + tagBytes));
    const plain = Buffer.concat([decipher.update(data.subarray(ivBytes + tagBytes)), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as Record<string, string>;
  }

  async delete(id: string): Promise<void> {
    await rm(this.#fileOf(id), { force: true });
  }

  #fileOf(id: string): string {
    return join(this.#dir, `${Buffer.from(id).toString('base64url')}.enc`);
  }

  #loadKey(): Promise<Buffer> {
    this.#key ??= this.#readOrCreateKey();
    return this.#key;
  }

  async #readOrCreateKey(): Promise<Buffer> {
    try {
      const key = await readFile(this.#keyFile);
      if (key.length !== keyBytes) throw new Error(`${this.#keyFile} is not a ${keyBytes}-byte key`);
      return key;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await mkdir(join(this.#keyFile, '..'), { recursive: true });
    const key = randomBytes(keyBytes);
    try {
      // 'wx': if a concurrent first start wrote the key, keep that one.
      await writeFile(this.#keyFile, key, { mode: 0o600, flag: 'wx' });
      return key;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFile(this.#keyFile);
      throw error;
    }
  }
}
