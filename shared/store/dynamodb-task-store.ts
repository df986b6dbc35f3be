import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { finishedStatuses, type Task, type TaskItem, type TaskPhase, type TaskStatus, type TaskType } from '#shared/domain/task.ts';
import { decodeCursor, encodeCursor, type Page } from './cursor.ts';
import { batchKey, type BatchCounters, type BatchKind, type BatchMember, type CreateTaskOutcome, type StartSyncOutcome, type TaskStore } from './task-store.ts';
import { writeInChunks } from './batch-write.ts';

const phaseOrder: TaskPhase[] = ['connecting', 'discovering', 'collecting', 'finalizing', 'done'];
/** Plans and markers only matter while a task runs and for a while after. */
const planTtlSeconds = 30 * 24 * 3600;
const listKey = 'task';
const idempotencyTtlSeconds = 24 * 3600;

export interface TaskTables {
  tasks: string;
  taskItems: string;
  platforms: string;
}

export class DynamoDbTaskStore implements TaskStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tables: TaskTables;

  constructor(client: DynamoDBDocumentClient, tables: TaskTables) {
    this.#client = client;
    this.#tables = tables;
  }

  createSyncTask(task: Task, platformId: string, idempotencyKey?: string): Promise<StartSyncOutcome> {
    return this.#createTask(task, { lockPlatformId: platformId, idempotencyScope: platformId, idempotencyKey });
  }

  async createTask(task: Task, idempotencyKey?: string): Promise<CreateTaskOutcome> {
    const outcome = await this.#createTask(task, { idempotencyScope: task.type, idempotencyKey });
    if (outcome.outcome === 'started' || outcome.outcome === 'duplicate-request') return outcome;
    throw new Error(`unexpected outcome ${outcome.outcome} for a task without a platform lock`);
  }

  async #createTask(
    task: Task,
    options: { lockPlatformId?: string; idempotencyScope: string; idempotencyKey?: string | undefined },
  ): Promise<StartSyncOutcome> {
    const now = Math.floor(Date.now() / 1000);
    const lock = options.lockPlatformId
      ? [
          {
            Update: {
              TableName: this.#tables.platforms,
              Key: { id: options.lockPlatformId },
              UpdateExpression: 'SET activeSyncTaskId = :taskId',
              ConditionExpression: 'attribute_exists(id) AND attribute_not_exists(activeSyncTaskId)',
              ExpressionAttributeValues: { ':taskId': task.id },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
            },
          },
        ]
      : [];
    const key = options.idempotencyKey
      ? [
          {
            Put: {
              TableName: this.#tables.taskItems,
              Item: { taskId: `idempotency#${options.idempotencyScope}#${options.idempotencyKey}`, itemKey: 'key', createdTaskId: task.id, expiresAt: now + idempotencyTtlSeconds },
              // An expired key whose TTL deletion has not run yet counts as absent.
              ConditionExpression: 'attribute_not_exists(itemKey) OR expiresAt < :now',
              ExpressionAttributeValues: { ':now': now },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
            },
          },
        ]
      : [];
    try {
      await this.#client.send(
        new TransactWriteCommand({
          TransactItems: [
            ...lock,
            { Put: { TableName: this.#tables.tasks, Item: { ...task, listKey }, ConditionExpression: 'attribute_not_exists(id)' } },
            ...key,
          ],
        }),
      );
      return { outcome: 'started' };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const keyReason = key.length ? reasons[reasons.length - 1] : undefined;
      const earlierTask = keyReason?.Code === 'ConditionalCheckFailed' ? keyReason.Item?.['createdTaskId']?.S : undefined;
      if (earlierTask) return { outcome: 'duplicate-request', taskId: earlierTask };
      const lockReason = lock.length ? reasons[0] : undefined;
      if (lockReason?.Code !== 'ConditionalCheckFailed') throw error;
      const running = lockReason.Item?.['activeSyncTaskId']?.S;
      return running ? { outcome: 'already-running', runningTaskId: running } : { outcome: 'platform-not-found' };
    }
  }

  recordHostOutcome(taskId: string, item: TaskItem, counters: BatchCounters, at: string): Promise<boolean> {
    return this.#countOnce(taskId, { taskId, itemKey: `item#${item.hostId}`, ...item, at }, counters, at);
  }

  /**
   * The exactly-once step of every count: the marker item is written only if
   * absent, in the same transaction as the task's ADD. False when the marker
   * was already there (a retried invocation), and nothing was counted.
   */
  async #countOnce(taskId: string, marker: Record<string, unknown>, counters: BatchCounters, at: string): Promise<boolean> {
    const adds = Object.entries(counters).filter(([, value]) => value !== undefined && value !== 0);
    try {
      await this.#client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.#tables.taskItems, Item: marker, ConditionExpression: 'attribute_not_exists(itemKey)' } },
            {
              Update: {
                TableName: this.#tables.tasks,
                Key: { id: taskId },
                UpdateExpression: `SET updatedAt = :at${adds.length ? ` ADD ${adds.map(([name]) => `#${name} :${name}`).join(', ')}` : ''}`,
                ConditionExpression: 'attribute_exists(id)',
                ExpressionAttributeValues: { ':at': at, ...Object.fromEntries(adds.map(([name, value]) => [`:${name}`, value])) },
                ...(adds.length ? { ExpressionAttributeNames: Object.fromEntries(adds.map(([name]) => [`#${name}`, name])) } : {}),
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
      throw error;
    }
  }

  async listRecordedHostIds(taskId: string, hostIds: string[]): Promise<Set<string>> {
    const recorded = new Set<string>();
    for (let i = 0; i < hostIds.length; i += 100) {
      const keys = hostIds.slice(i, i + 100).map((hostId) => ({ taskId, itemKey: `item#${hostId}` }));
      const { Responses } = await this.#client.send(
        new BatchGetCommand({ RequestItems: { [this.#tables.taskItems]: { Keys: keys, ProjectionExpression: 'hostId', ConsistentRead: true } } }),
      );
      for (const item of Responses?.[this.#tables.taskItems] ?? []) recorded.add(item['hostId'] as string);
    }
    return recorded;
  }

  async get(id: string): Promise<Task | undefined> {
    const { Item } = await this.#client.send(new GetCommand({ TableName: this.#tables.tasks, Key: { id }, ConsistentRead: true }));
    return Item ? stripListKey(Item) : undefined;
  }

  async list({ type, status, limit, cursor }: { type?: TaskType; status?: TaskStatus; limit: number; cursor?: string }): Promise<Page<Task>> {
    const filters: string[] = [];
    const values: Record<string, unknown> = { ':listKey': listKey };
    const names: Record<string, string> = {};
    if (type) {
      filters.push('#type = :type');
      names['#type'] = 'type';
      values[':type'] = type;
    }
    if (status) {
      filters.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = status;
    }
    const items: Task[] = [];
    let startKey: Record<string, unknown> | undefined = decodeCursor(cursor, ['id', 'listKey', 'createdAt']);
    // A filter can empty a page: keep reading until the page is full or the index ends.
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#tables.tasks,
          IndexName: 'byCreatedAt',
          KeyConditionExpression: 'listKey = :listKey',
          ScanIndexForward: false,
          Limit: limit - items.length,
          ExclusiveStartKey: startKey,
          ExpressionAttributeValues: values,
          ...(filters.length ? { FilterExpression: filters.join(' AND '), ExpressionAttributeNames: names } : {}),
        }),
      );
      items.push(...(page.Items ?? []).map(stripListKey));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    const nextCursor = encodeCursor(startKey);
    return { items, ...(nextCursor ? { nextCursor } : {}) };
  }

  async markStarted(id: string, executionArn: string, at: string): Promise<void> {
    await this.#client.send(
      new UpdateCommand({
        TableName: this.#tables.tasks,
        Key: { id },
        UpdateExpression: 'SET executionArn = :arn, startedAt = if_not_exists(startedAt, :at), updatedAt = :at',
        ConditionExpression: 'attribute_exists(id)',
        ExpressionAttributeValues: { ':arn': executionArn, ':at': at },
      }),
    );
  }

  async advancePhase(id: string, phase: TaskPhase, at: string, total?: number): Promise<void> {
    const earlier = phaseOrder.slice(0, phaseOrder.indexOf(phase));
    const values: Record<string, unknown> = { ':phase': phase, ':at': at, ':running': 'running', ':queued': 'queued' };
    earlier.forEach((p, i) => (values[`:p${i}`] = p));
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#tables.tasks,
          Key: { id },
          UpdateExpression: `SET phase = :phase, #status = :running, updatedAt = :at, startedAt = if_not_exists(startedAt, :at)${total === undefined ? '' : ', #total = :total'}`,
          ConditionExpression: `(#status = :running OR #status = :queued) AND (phase = :phase${earlier.map((_, i) => ` OR phase = :p${i}`).join('')})`,
          ExpressionAttributeNames: { '#status': 'status', ...(total === undefined ? {} : { '#total': 'total' }) },
          ExpressionAttributeValues: { ...values, ...(total === undefined ? {} : { ':total': total }) },
        }),
      );
    } catch (error) {
      // A later phase or a final status is already recorded: never move back.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async addDiscovered(id: string, count: number, at: string, expectedTotal?: number): Promise<void> {
    await this.#client.send(
      new UpdateCommand({
        TableName: this.#tables.tasks,
        Key: { id },
        UpdateExpression: `ADD discovered :count SET updatedAt = :at${expectedTotal ? ', expectedTotal = :expected' : ''}`,
        ExpressionAttributeValues: { ':count': count, ':at': at, ...(expectedTotal ? { ':expected': expectedTotal } : {}) },
      }),
    );
  }

  async recordBatch(taskId: string, key: string, counters: BatchCounters, items: TaskItem[], at: string, hashes?: Map<string, string>): Promise<boolean> {
    // Items are idempotent puts keyed by host: write them first, then count.
    await writeInChunks(
      this.#client,
      this.#tables.taskItems,
      items.map((item) => ({ taskId, itemKey: `item#${item.hostId}`, ...item, at })),
    );
    return this.#countOnce(
      taskId,
      {
        taskId,
        itemKey: `done#${key}`,
        ...counters,
        at,
        expiresAt: expiry(),
        // "<hostId> <hash>" lines: about 75 bytes a host, far below the item limit at 250 a batch.
        ...(hashes?.size ? { hashes: [...hashes].map(([id, hash]) => `${id} ${hash}`).join('\n') } : {}),
      },
      counters,
      at,
    );
  }

  async getBatchHashes(taskId: string, key: string): Promise<Map<string, string> | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#tables.taskItems, Key: { taskId, itemKey: `done#${key}` }, ProjectionExpression: 'hashes' }),
    );
    const lines = Item?.['hashes'];
    if (typeof lines !== 'string') return undefined;
    return new Map(lines.split('\n').map((line) => line.split(' ') as [string, string]));
  }

  async isBatchRecorded(taskId: string, key: string): Promise<boolean> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#tables.taskItems, Key: { taskId, itemKey: `done#${key}` }, ProjectionExpression: 'itemKey', ConsistentRead: true }),
    );
    return Item !== undefined;
  }

  async finish(id: string, status: TaskStatus, at: string, extra: { error?: string; missing?: number } = {}): Promise<Task | undefined> {
    const finals = [...finishedStatuses];
    try {
      const { Attributes } = await this.#client.send(
        new UpdateCommand({
          TableName: this.#tables.tasks,
          Key: { id },
          UpdateExpression: `SET #status = :status, phase = :done, finishedAt = :at, updatedAt = :at${extra.error ? ', #error = :error' : ''}${extra.missing !== undefined ? ', #missing = :missing' : ''}`,
          ConditionExpression: `attribute_exists(id) AND NOT #status IN (${finals.map((_, i) => `:f${i}`).join(', ')})`,
          ExpressionAttributeNames: {
            '#status': 'status',
            ...(extra.error ? { '#error': 'error' } : {}),
            ...(extra.missing !== undefined ? { '#missing': 'missing' } : {}),
          },
          ExpressionAttributeValues: {
            ':status': status,
            ':done': 'done',
            ':at': at,
            ...Object.fromEntries(finals.map((s, i) => [`:f${i}`, s])),
            ...(extra.error ? { ':error': extra.error } : {}),
            ...(extra.missing !== undefined ? { ':missing': extra.missing } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? stripListKey(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async putBatchPlans(taskId: string, kind: BatchKind, batches: BatchMember[][]): Promise<void> {
    const expiresAt = expiry();
    await writeInChunks(
      this.#client,
      this.#tables.taskItems,
      batches.map((members, index) => ({
        taskId,
        itemKey: `plan#${batchKey(kind, index)}`,
        // Compact pairs keep a 500-member plan item far below the 400 KB item limit.
        members: members.map((member) => `${member.moref} ${member.hostId}`),
        expiresAt,
      })),
    );
  }

  async getBatchPlan(taskId: string, kind: BatchKind, batchIndex: number): Promise<BatchMember[]> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#tables.taskItems, Key: { taskId, itemKey: `plan#${batchKey(kind, batchIndex)}` }, ConsistentRead: true }),
    );
    if (!Item) throw new Error(`no plan for ${kind} batch ${batchIndex} of task ${taskId}`);
    return (Item['members'] as string[]).map(parseMember);
  }

  async listPlannedMembers(taskId: string, kind?: BatchKind): Promise<BatchMember[]> {
    const members: BatchMember[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#tables.taskItems,
          KeyConditionExpression: 'taskId = :taskId AND begins_with(itemKey, :plan)',
          ExpressionAttributeValues: { ':taskId': taskId, ':plan': kind ? `plan#${kind}#` : 'plan#' },
          ProjectionExpression: 'members',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) members.push(...(item['members'] as string[]).map(parseMember));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return members;
  }

  async listItems(taskId: string, { status, limit, cursor }: { status?: TaskItem['status']; limit: number; cursor?: string }): Promise<Page<TaskItem>> {
    const items: TaskItem[] = [];
    let startKey: Record<string, unknown> | undefined = decodeCursor(cursor, ['taskId', 'itemKey']);
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#tables.taskItems,
          KeyConditionExpression: 'taskId = :taskId AND begins_with(itemKey, :item)',
          ExpressionAttributeValues: { ':taskId': taskId, ':item': 'item#', ...(status ? { ':status': status } : {}) },
          ...(status ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {}),
          Limit: limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []).map(toTaskItem));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    const nextCursor = encodeCursor(startKey);
    return { items, ...(nextCursor ? { nextCursor } : {}) };
  }
}

function parseMember(member: string): BatchMember {
  const [moref = '', hostId = ''] = member.split(' ');
  return { moref, hostId };
}

function stripListKey(item: Record<string, unknown>): Task {
  const { listKey: _listKey, ...task } = item;
  return task as unknown as Task;
}

function toTaskItem(item: Record<string, unknown>): TaskItem {
  return {
    hostId: item['hostId'] as string,
    ...(item['name'] ? { name: item['name'] as string } : {}),
    status: item['status'] as TaskItem['status'],
    ...(item['errorCode'] ? { errorCode: item['errorCode'] as string } : {}),
    ...(item['message'] ? { message: item['message'] as string } : {}),
  };
}

function expiry(): number {
  return Math.floor(Date.now() / 1000) + planTtlSeconds;
}
