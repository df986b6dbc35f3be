import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CredentialProfile } from '#shared/domain/credential.ts';
import type { CredentialStore } from './credential-store.ts';
import { decodeCursor, encodeCursor, type Page } from './cursor.ts';

export class DynamoDbCredentialStore implements CredentialStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, table: string) {
    this.#client = client;
    this.#table = table;
  }

  async create(profile: CredentialProfile): Promise<void> {
    await this.#client.send(new PutCommand({ TableName: this.#table, Item: profile, ConditionExpression: 'attribute_not_exists(id)' }));
  }

  async get(id: string): Promise<CredentialProfile | undefined> {
    const { Item } = await this.#client.send(new GetCommand({ TableName: this.#table, Key: { id }, ConsistentRead: true }));
    return Item as CredentialProfile | undefined;
  }

  // An import names a handful of distinct profiles: parallel consistent reads are enough.
  async getMany(ids: string[]): Promise<CredentialProfile[]> {
    const found = await Promise.all([...new Set(ids)].map((id) => this.get(id)));
    return found.filter((profile): profile is CredentialProfile => profile !== undefined);
  }

  // Profiles number in the tens: a paged Scan serves the list.
  async list({ limit, cursor }: { limit: number; cursor?: string }): Promise<Page<CredentialProfile>> {
    const { Items, LastEvaluatedKey } = await this.#client.send(
      new ScanCommand({ TableName: this.#table, Limit: limit, ExclusiveStartKey: decodeCursor(cursor, ['id']) }),
    );
    const nextCursor = encodeCursor(LastEvaluatedKey);
    return { items: (Items ?? []) as CredentialProfile[], ...(nextCursor ? { nextCursor } : {}) };
  }

  async delete(id: string): Promise<CredentialProfile | undefined> {
    try {
      const { Attributes } = await this.#client.send(
        new DeleteCommand({ TableName: this.#table, Key: { id }, ConditionExpression: 'attribute_exists(id)', ReturnValues: 'ALL_OLD' }),
      );
      return Attributes as CredentialProfile;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}
