import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { createTables, localCredentials, localTableNames, startDynamoDbLocal } from '#local/dynamodb-local.ts';
import type { DynamoDbLocal } from '#local/dynamodb-local.ts';
import { allTables, tasksTable } from '#shared/store/tables.ts';

const clientFor = (endpoint: string) => new DynamoDBClient({ endpoint, region: 'eu-west-1', credentials: localCredentials });

describe('DynamoDB Local in memory', () => {
  let dynamo: DynamoDbLocal;
  let client: DynamoDBClient;
  const names = localTableNames('memtest');

  before(async () => {
    const started = Date.now();
    dynamo = await startDynamoDbLocal();
    console.log(`DynamoDB Local answered after ${Date.now() - started} ms at ${dynamo.endpoint}`);
    client = clientFor(dynamo.endpoint);
  });
  after(async () => {
    client.destroy();
    await dynamo.stop();
  });

  it('creates the tables from the specs, and a second call changes nothing', async () => {
    const first = await createTables(client, allTables, names);
    assert.deepEqual(first.map((table) => table.created), allTables.map(() => true));
    const second = await createTables(client, allTables, names);
    assert.deepEqual(second.map((table) => table.created), allTables.map(() => false));

    const hosts = await client.send(new DescribeTableCommand({ TableName: names.hosts }));
    assert.equal(hosts.Table?.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
    const byPlatform = hosts.Table?.GlobalSecondaryIndexes?.find((index) => index.IndexName === 'byPlatform');
    assert.equal(byPlatform?.Projection?.ProjectionType, 'INCLUDE');
    const specIndex = allTables.find((spec) => spec.id === 'hosts')?.indexes.find((index) => index.indexName === 'byPlatform');
    assert.deepEqual(byPlatform?.Projection?.NonKeyAttributes, specIndex?.nonKeyAttributes);
    const bySource = hosts.Table?.GlobalSecondaryIndexes?.find((index) => index.IndexName === 'bySource');
    assert.equal(bySource?.Projection?.ProjectionType, 'INCLUDE');

    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: names.taskItems }));
    assert.equal(ttl.TimeToLiveDescription?.TimeToLiveStatus, 'ENABLED');
    assert.equal(ttl.TimeToLiveDescription?.AttributeName, 'expiresAt');
  });

  it('runs a TransactWriteItems whose condition makes a retried batch count once', async () => {
    await createTables(client, [tasksTable], names);
    await client.send(new PutItemCommand({ TableName: names.tasks, Item: { id: { S: 'task-1' }, processed: { N: '0' } } }));
    const countBatch: TransactWriteItem[] = [
      { Put: { TableName: names.tasks, Item: { id: { S: 'task-1#batch-0' } }, ConditionExpression: 'attribute_not_exists(id)' } },
      {
        Update: {
          TableName: names.tasks,
          Key: { id: { S: 'task-1' } },
          UpdateExpression: 'ADD #processed :n',
          ExpressionAttributeNames: { '#processed': 'processed' },
          ExpressionAttributeValues: { ':n': { N: '25' } },
        },
      },
    ];
    await client.send(new TransactWriteItemsCommand({ TransactItems: countBatch }));
    await assert.rejects(client.send(new TransactWriteItemsCommand({ TransactItems: countBatch })), (error: unknown) => {
      assert.ok(error instanceof TransactionCanceledException);
      assert.equal(error.CancellationReasons?.[0]?.Code, 'ConditionalCheckFailed');
      return true;
    });
    const task = await client.send(new GetItemCommand({ TableName: names.tasks, Key: { id: { S: 'task-1' } } }));
    assert.equal(task.Item?.processed?.N, '25');
  });

  it('throws on a spec without a physical name', async () => {
    await assert.rejects(createTables(client, [tasksTable], {}), /no physical table name/);
  });
});

describe('DynamoDB Local with a data directory', () => {
  it('keeps the data across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dynamodb-local-test-'));
    const names = localTableNames('persisted');
    try {
      const first = await startDynamoDbLocal({ dataDir });
      const firstClient = clientFor(first.endpoint);
      await createTables(firstClient, allTables, names);
      await firstClient.send(new PutItemCommand({ TableName: names.platforms, Item: { id: { S: 'platform-1' }, name: { S: 'vc1' } } }));
      firstClient.destroy();
      await first.stop();

      const second = await startDynamoDbLocal({ dataDir });
      const secondClient = clientFor(second.endpoint);
      try {
        const created = await createTables(secondClient, allTables, names);
        assert.ok(created.every((table) => !table.created));
        const item = await secondClient.send(new GetItemCommand({ TableName: names.platforms, Key: { id: { S: 'platform-1' } } }));
        assert.equal(item.Item?.name?.S, 'vc1');
      } finally {
        secondClient.destroy();
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('DynamoDB Local process lifetime', () => {
  it('ends the JVM on stop()', async () => {
    const dynamo = await startDynamoDbLocal();
    assert.ok(dynamo.pid > 0);
    assert.ok(isAlive(dynamo.pid));
    await dynamo.stop();
    assert.equal(isAlive(dynamo.pid), false);
  });

  it('leaves no JVM behind when its parent is killed with SIGKILL', async () => {
    const moduleUrl = new URL('../../local/dynamodb-local.ts', import.meta.url).href;
    const script = `const { startDynamoDbLocal } = await import(${JSON.stringify(moduleUrl)});
      const dynamo = await startDynamoDbLocal();
      console.log('pid ' + dynamo.pid);
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const jvmPid = await new Promise<number>((resolve, reject) => {
      let output = '';
      parent.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /pid (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
      parent.once('exit', (code) => reject(new Error(`parent exited early with ${code}`)));
    });
    assert.ok(isAlive(jvmPid));
    parent.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (isAlive(jvmPid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(isAlive(jvmPid), false, `JVM ${jvmPid} outlived its parent`);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0; it is gone for every practical purpose.
    return !isZombie(pid);
  } catch {
    return false;
  }
}

function isZombie(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}
