import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Host } from '#shared/domain/host.ts';
import type { Platform } from '#shared/domain/platform.ts';
import { newTask, type TaskStatus, type TaskType } from '#shared/domain/task.ts';
import type * as Stores from '#stores';
import type * as Schemas from '#shared/api/schemas.ts';
import { call, loadApi, startApiEnv, type ApiEnv, type ApiModules } from '#test/support/api-env.ts';

let env: ApiEnv;
let api: ApiModules;
let stores: typeof Stores;
let schemas: typeof Schemas;

/** Seeded tasks, oldest first. */
const seeded: { id: string; type: TaskType; status: TaskStatus }[] = [
  { id: 'task-1', type: 'platform_sync', status: 'succeeded' },
  { id: 'task-2', type: 'host_collect', status: 'failed' },
  { id: 'task-3', type: 'platform_sync', status: 'partially_succeeded' },
  { id: 'task-4', type: 'platform_sync', status: 'running' },
  { id: 'task-5', type: 'mixed_collect', status: 'queued' },
];

function platform(id: string): Platform {
  const now = new Date().toISOString();
  return { id, name: id, type: 'vmware', endpoint: 'https://vc.example/sdk', username: 'u', tls: { mode: 'verify' }, schedule: null, createdAt: now, updatedAt: now };
}

function host(id: string, overrides: Partial<Host>): Host {
  const now = '2024-05-01T00:00:00.000Z';
  const name = overrides.name ?? id;
  return {
    id,
    source: 'platform',
    kind: 'vm',
    name,
    searchName: name.toLowerCase(),
    ipAddresses: ['10.0.0.1'],
    facts: { disks: [] },
    status: 'active',
    contentHash: 'hash',
    lastChange: 'created',
    firstSeenAt: now,
    lastSeenAt: now,
    ...overrides,
  };
}

const hosts: Host[] = [
  host('h-vm-1', { platformId: 'p-a', kind: 'vm', name: 'Web-Frontend-01' }),
  host('h-vm-2', { platformId: 'p-a', kind: 'vm', name: 'db-primary', status: 'missing', missingSince: '2024-05-02T00:00:00.000Z' }),
  host('h-esxi-1', { platformId: 'p-a', kind: 'esxi', name: 'esx01.lab' }),
  host('h-vm-3', { platformId: 'p-b', kind: 'vm', name: 'web-backend-02' }),
  host('h-linux-1', { source: 'manual', kind: 'linux', name: 'build-server' }),
  host('h-win-1', { source: 'scan', kind: 'windows', name: 'AD-DC01', status: 'missing' }),
];

before(async () => {
  env = await startApiEnv();
  api = await loadApi();
  stores = await import('#stores');
  schemas = await import('#shared/api/schemas.ts');

  // Tasks go through the store's own entry point (one platform each, as the sync lock wants).
  for (const [index, spec] of seeded.entries()) {
    const platformId = `p-task-${index}`;
    await stores.platforms().create(platform(platformId));
    const createdAt = new Date(Date.UTC(2024, 0, 1, 0, index)).toISOString();
    const task = newTask({ id: spec.id, type: spec.type, trigger: 'api', status: 'queued', phase: 'connecting', platformId }, createdAt);
    assert.equal((await stores.tasks().createSyncTask(task, platformId)).outcome, 'started');
    if (spec.status === 'queued') continue;
    await stores.tasks().advancePhase(spec.id, 'collecting', createdAt, 4);
    if (spec.status !== 'running') await stores.tasks().finish(spec.id, spec.status, createdAt);
  }
  // task-3: one batch with two failures and one success recorded.
  await stores.tasks().recordBatch(
    'task-3',
    'vm#000000',
    { processed: 3, succeeded: 1, failed: 2, created: 1, updated: 0, unchanged: 0 },
    [
      { hostId: 'h-vm-1', name: 'Web-Frontend-01', status: 'failed', errorCode: 'TIMEOUT', message: 'timed out' },
      { hostId: 'h-vm-2', name: 'db-primary', status: 'failed', errorCode: 'AUTH', message: 'denied' },
      { hostId: 'h-esxi-1', status: 'succeeded' },
    ],
    '2024-01-01T00:02:30.000Z',
  );
  await stores.hosts().putMany(hosts);
});

after(async () => {
  await env?.stop();
});

async function listAll(id: string, query: Record<string, string>, pathParameters?: Record<string, string>) {
  const items: { id?: string; hostId?: string }[] = [];
  let cursor: string | undefined;
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 50, 'pagination terminates');
    const res = await call(api, id, { query: { ...query, ...(cursor ? { cursor } : {}) }, ...(pathParameters ? { pathParameters } : {}) });
    assert.equal(res.statusCode, 200, res.text);
    items.push(...res.json.items);
    cursor = res.json.nextCursor;
    if (!cursor) return items;
  }
}

describe('tasks', () => {
  test('list is newest first and validates against the documented schema', async () => {
    const res = await call(api, 'list-tasks');
    assert.equal(res.statusCode, 200, res.text);
    schemas.taskListSchema.parse(res.json);
    assert.deepEqual(
      res.json.items.map((t: { id: string }) => t.id),
      seeded.map((t) => t.id).reverse(),
    );
    assert.equal(res.json.nextCursor, undefined);
  });

  test('limit=1 pages through every task exactly once', async () => {
    const items = await listAll('list-tasks', { limit: '1' });
    assert.deepEqual(items.map((t) => t.id), seeded.map((t) => t.id).reverse());
  });

  test('type and status filters', async () => {
    const byType = await call(api, 'list-tasks', { query: { type: 'platform_sync' } });
    assert.deepEqual(byType.json.items.map((t: { id: string }) => t.id), ['task-4', 'task-3', 'task-1']);
    const byStatus = await call(api, 'list-tasks', { query: { status: 'failed' } });
    assert.deepEqual(byStatus.json.items.map((t: { id: string }) => t.id), ['task-2']);
    const both = await call(api, 'list-tasks', { query: { type: 'platform_sync', status: 'running' } });
    assert.deepEqual(both.json.items.map((t: { id: string }) => t.id), ['task-4']);
    const filteredPages = await listAll('list-tasks', { type: 'platform_sync', limit: '1' });
    assert.deepEqual(filteredPages.map((t) => t.id), ['task-4', 'task-3', 'task-1']);
    const none = await call(api, 'list-tasks', { query: { type: 'mixed_collect', status: 'failed' } });
    assert.deepEqual(none.json, { items: [] });
  });

  test('get returns the task view with progress and counts', async () => {
    const res = await call(api, 'get-task', { pathParameters: { taskId: 'task-3' } });
    assert.equal(res.statusCode, 200, res.text);
    schemas.taskViewSchema.parse(res.json);
    assert.equal(res.json.status, 'partially_succeeded');
    assert.equal(res.json.phase, 'done');
    assert.deepEqual(res.json.progress, { total: 4, processed: 3, succeeded: 1, failed: 2, percent: 100 });
    assert.deepEqual(res.json.counts, { created: 1, updated: 0, unchanged: 0, missing: 0 });
    assert.ok(!('listKey' in res.json));

    const running = await call(api, 'get-task', { pathParameters: { taskId: 'task-4' } });
    assert.equal(running.json.status, 'running');
    assert.ok(running.json.progress.percent >= 0 && running.json.progress.percent < 100);
    assert.ok(running.json.startedAt);

    const queued = await call(api, 'get-task', { pathParameters: { taskId: 'task-5' } });
    assert.equal(queued.json.progress.percent, 0);
  });

  test('items: all, filtered by status, paged', async () => {
    const all = await call(api, 'list-task-items', { pathParameters: { taskId: 'task-3' } });
    assert.equal(all.statusCode, 200, all.text);
    schemas.taskItemListSchema.parse(all.json);
    assert.deepEqual(all.json.items.map((i: { hostId: string }) => i.hostId).sort(), ['h-esxi-1', 'h-vm-1', 'h-vm-2']);

    const failed = await call(api, 'list-task-items', { pathParameters: { taskId: 'task-3' }, query: { status: 'failed' } });
    assert.equal(failed.statusCode, 200);
    assert.deepEqual(
      failed.json.items.map((i: { hostId: string; errorCode: string }) => [i.hostId, i.errorCode]).sort(),
      [
        ['h-vm-1', 'TIMEOUT'],
        ['h-vm-2', 'AUTH'],
      ],
    );
    const failedItem = failed.json.items.find((i: { hostId: string }) => i.hostId === 'h-vm-1');
    assert.deepEqual(failedItem, { hostId: 'h-vm-1', name: 'Web-Frontend-01', status: 'failed', errorCode: 'TIMEOUT', message: 'timed out' });

    const paged = await listAll('list-task-items', { limit: '1', status: 'failed' }, { taskId: 'task-3' });
    assert.equal(paged.length, 2);

    const emptyTask = await call(api, 'list-task-items', { pathParameters: { taskId: 'task-1' } });
    assert.equal(emptyTask.statusCode, 200);
    assert.deepEqual(emptyTask.json, { items: [] });
  });

  test('unknown task: 404 for get and items', async () => {
    for (const id of ['get-task', 'list-task-items']) {
      const res = await call(api, id, { pathParameters: { taskId: 'no-such-task' } });
      assert.equal(res.statusCode, 404, id);
      assert.equal(res.headers['content-type'], 'application/problem+json');
      assert.equal(res.json.status, 404);
    }
  });
});

describe('hosts', () => {
  const ids = (items: { id?: string }[]) => items.map((h) => h.id).sort();

  test('list without filters pages through every host; views hide internals', async () => {
    const res = await call(api, 'list-hosts');
    assert.equal(res.statusCode, 200, res.text);
    schemas.hostListSchema.parse(res.json);
    assert.deepEqual(ids(res.json.items), ids(hosts));
    for (const item of res.json.items) {
      for (const internal of ['contentHash', 'lastChange', 'searchName']) assert.ok(!(internal in item), `${internal} hidden`);
    }
    assert.deepEqual(ids(await listAll('list-hosts', { limit: '2' })), ids(hosts));
  });

  const cases: { name: string; query: Record<string, string>; expected: string[] }[] = [
    { name: 'platformId', query: { platformId: 'p-a' }, expected: ['h-esxi-1', 'h-vm-1', 'h-vm-2'] },
    { name: 'source', query: { source: 'manual' }, expected: ['h-linux-1'] },
    { name: 'source=platform', query: { source: 'platform' }, expected: ['h-esxi-1', 'h-vm-1', 'h-vm-2', 'h-vm-3'] },
    { name: 'kind', query: { kind: 'vm' }, expected: ['h-vm-1', 'h-vm-2', 'h-vm-3'] },
    { name: 'status', query: { status: 'missing' }, expected: ['h-vm-2', 'h-win-1'] },
    { name: 'q, case-insensitive', query: { q: 'WEB' }, expected: ['h-vm-1', 'h-vm-3'] },
    { name: 'platformId + kind', query: { platformId: 'p-a', kind: 'vm' }, expected: ['h-vm-1', 'h-vm-2'] },
    { name: 'platformId + status', query: { platformId: 'p-a', status: 'active' }, expected: ['h-esxi-1', 'h-vm-1'] },
    { name: 'source + kind + status', query: { source: 'platform', kind: 'vm', status: 'active' }, expected: ['h-vm-1', 'h-vm-3'] },
    { name: 'platformId, paged by 1', query: { platformId: 'p-a', limit: '1' }, expected: ['h-esxi-1', 'h-vm-1', 'h-vm-2'] },
    { name: 'no match', query: { platformId: 'p-none' }, expected: [] },
    {
      name: 'platformId + q',
      query: { platformId: 'p-a', q: 'web' },
      expected: ['h-vm-1'],
    },
    {
      name: 'platformId + source',
      query: { platformId: 'p-a', source: 'platform' },
      expected: ['h-esxi-1', 'h-vm-1', 'h-vm-2'],
    },
  ];
  for (const c of cases) {
    test(`filter: ${c.name}`, async () => {
      const items = await listAll('list-hosts', c.query);
      assert.deepEqual(ids(items), c.expected);
      for (const item of items) schemas.hostViewSchema.parse(item);
    });
  }

  test('get returns the host view; unknown id is a 404', async () => {
    const res = await call(api, 'get-host', { pathParameters: { hostId: 'h-vm-1' } });
    assert.equal(res.statusCode, 200, res.text);
    schemas.hostViewSchema.parse(res.json);
    assert.equal(res.json.name, 'Web-Frontend-01');
    assert.equal(res.json.platformId, 'p-a');
    for (const internal of ['contentHash', 'lastChange', 'searchName']) assert.ok(!(internal in res.json), `${internal} hidden`);

    const missing = await call(api, 'get-host', { pathParameters: { hostId: 'no-such-host' } });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.headers['content-type'], 'application/problem+json');
  });
});
