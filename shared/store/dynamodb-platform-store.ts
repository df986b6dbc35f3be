import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Platform } from '#shared/domain/platform.ts';
import { decodeCursor, encodeCursor, type Page } from './cursor.ts';
import type { DeletePlatformOutcome, PlatformStore } from './platform-store.ts';
import { updateIfExists } from './update-expression.ts';

export class DynamoDbPlatformStore implements PlatformStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, table: string) {
    this.#client = client;
    this.#table = table;
  }

  async create(platform: Platform): Promise<void> {
    await this.#client.send(new PutCommand({ TableName: this.#table, Item: platform, ConditionExpression: 'attribute_not_exists(id)' }));
  }

  async get(id: string): Promise<Platform | undefined> {
    const { Item } = await this.#client.send(new GetCommand({ TableName: this.#table, Key: { id }, ConsistentRead: true }));
    return Item as Platform | undefined;
  }

  // Platforms number in the tens to hundreds: a paged Scan serves the list.
  async list({ limit, cursor }: { limit: number; cursor?: string }): Promise<Page<Platform>> {
    const { Items, LastEvaluatedKey } = await this.#client.send(
      new ScanCommand({ TableName: this.#table, Limit: limit, ExclusiveStartKey: decodeCursor(cursor, ['id']) }),
    );
    const nextCursor = encodeCursor(LastEvaluatedKey);
    return { items: (Items ?? []) as Platform[], ...(nextCursor ? { nextCursor } : {}) };
  }

  async update(id: string, changes: Partial<Omit<Platform, 'id' | 'createdAt'>>, removeSchedule = false): Promise<Platform | undefined> {
    return (await updateIfExists(this.#client, this.#table, id, changes, removeSchedule ? ['schedule', 'nextSyncAt'] : [])) as Platform | undefined;
  }


  async delete(id: string): Promise<DeletePlatformOutcome> {
    try {
      const { Attributes } = await this.#client.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: { id },
          ConditionExpression: 'attribute_exists(id) AND attribute_not_exists(activeSyncTaskId)',
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'deleted', platform: Attributes as Platform };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const running = error.Item?.['activeSyncTaskId']?.S;
      return running ? { outcome: 'sync-running', runningTaskId: running } : { outcome: 'not-found' };
    }
  }

  async finishSync(id: string, taskId: string, lastSync: Platform['lastSync'], inventoryTaskId?: string): Promise<void> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { id },
          UpdateExpression: `REMOVE activeSyncTaskId SET lastSync = :lastSync${inventoryTaskId ? ', inventoryTaskId = :inventoryTaskId' : ''}`,
          ConditionExpression: 'activeSyncTaskId = :taskId',
          ExpressionAttributeValues: { ':taskId': taskId, ':lastSync': lastSync, ...(inventoryTaskId ? { ':inventoryTaskId': inventoryTaskId } : {}) },
        }),
      );
    } catch (error) {
      // Already released (a retried finalizer) or the platform was deleted: nothing to undo.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async clearInventory(id: string): Promise<void> {
    await this.#client.send(new UpdateCommand({ TableName: this.#table, Key: { id }, UpdateExpression: 'REMOVE inventoryTaskId' }));
  }

  async listDue(now: string): Promise<Platform[]> {
    const due: Platform[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#client.send(
        new ScanCommand({
          TableName: this.#table,
          FilterExpression: 'nextSyncAt <= :now',
          ExpressionAttributeValues: { ':now': now },
          ExclusiveStartKey: startKey,
        }),
      );
      due.push(...((page.Items ?? []) as Platform[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return due;
  }

  async advanceSchedule(id: string, expected: string, next: string): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { id },
          UpdateExpression: 'SET nextSyncAt = :next',
          ConditionExpression: 'nextSyncAt = :expected',
          ExpressionAttributeValues: { ':next': next, ':expected': expected },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
