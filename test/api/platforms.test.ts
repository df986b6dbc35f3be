import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Host } from '#shared/domain/host.ts';
import { newTask } from '#shared/domain/task.ts';
import type * as Stores from '#stores';
import type * as Schemas from '#shared/api/schemas.ts';
import { call, loadApi, startApiEnv, type ApiEnv, type ApiModules } from '#test/support/api-env.ts';

let env: ApiEnv;
let api: ApiModules;
let stores: typeof Stores;
let schemas: typeof Schemas;

before(async () => {
  env = await startApiEnv();
  api = await loadApi();
  stores = await import('#stores');
  schemas = await import('#shared/api/schemas.ts');
});

after(async () => {
  await env?.stop();
});

const password = 'S3cret-Pa55word!-do-not-leak';

const validPlatform = (overrides: Record<string, unknown> = {}) => ({
  name: 'vc-lab',
  type: 'vmware',
  endpoint: 'https://vcenter.example.com/sdk',
  username: 'administrator@vsphere.local',
  password,
  ...overrides,
});

function assertNoPassword(text: string, secret = password) {
  assert.ok(!text.includes(secret), 'the response contains the password');
  assert.ok(!/"password"/i.test(text), 'the response has a password field');
}

function platformHost(id: string, platformId: string, overrides: Partial<Host> = {}): Host {
  const now = new Date().toISOString();
  return {
    id,
    source: 'platform',
    platformId,
    kind: 'vm',
    name: id,
    searchName: id.toLowerCase(),
    ipAddresses: [],
    facts: {},
    status: 'active',
    contentHash: 'hash',
    firstSeenAt: now,
    lastSeenAt: now,
    ...overrides,
  };
}

describe('health and OpenAPI', () => {
  test('GET /api/health answers 200 {status: ok}', async () => {
    const res = await call(api, 'get-health');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] ?? '', /^application\/json/);
    assert.deepEqual(res.json, { status: 'ok' });
  });

  test('GET /api/openapi.json documents every catalog route with its schemas', async () => {
    const { apiFunctions } = await import('#functions/catalog.ts');
    const res = await call(api, 'get-openapi');
    assert.equal(res.statusCode, 200);
    const doc = res.json;
    assert.equal(doc.openapi, '3.1.0');
    for (const fn of apiFunctions) {
      assert.ok(fn.route, fn.id);
      const operation = doc.paths[fn.route.path]?.[fn.route.method.toLowerCase()];
      assert.ok(operation, `${fn.route.method} ${fn.route.path} is documented`);
      assert.ok(schemas.operations[fn.id], `${fn.id} has operation schemas`);
      if (fn.route.public) assert.deepEqual(operation.security, []);
      for (const name of fn.route.path.match(/\{(\w+)\}/g) ?? []) {
        assert.ok(
          operation.parameters.some((p: { in: string; name: string; required: boolean }) => p.in === 'path' && `{${p.name}}` === name && p.required),
          `${fn.id} documents path parameter ${name}`,
        );
      }
    }
    const create = doc.paths['/api/virtualization'].post;
    const requestRef: string = create.requestBody.content['application/json'].schema.$ref;
    const requestSchema = doc.components.schemas[requestRef.split('/').pop()!];
    assert.deepEqual([...requestSchema.required].sort(), ['endpoint', 'name', 'password', 'type', 'username']);
    assert.equal(requestSchema.additionalProperties, false);
    assert.equal(create.responses['400'].$ref, '#/components/responses/Problem400');
    assert.ok(doc.components.responses.Problem400.content['application/problem+json']);
    const listTasks = doc.paths['/api/tasks'].get;
    const typeParam = listTasks.parameters.find((p: { name: string }) => p.name === 'type');
    assert.deepEqual(typeParam.schema.enum, ['platform_sync', 'platform_collect', 'host_collect', 'mixed_collect']);
    const limitParam = listTasks.parameters.find((p: { name: string }) => p.name === 'limit');
    assert.equal(limitParam.required, false);
    assert.equal(limitParam.schema.maximum, 1000);
    assert.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');
    // The view schema never names a password.
    assert.ok(!JSON.stringify(doc.components.schemas['CreatePlatformResponse']).includes('password'));
  });
});

describe('platform CRUD', () => {
  test('create, get, list with pagination, patch, delete', async () => {
    // create
    const created = await call(api, 'create-platform', { body: validPlatform({ tls: { mode: 'thumbprint', thumbprint: 'ab'.repeat(32) } }) });
    assert.equal(created.statusCode, 201, created.text);
    assertNoPassword(created.text);
    const platform = created.json;
    assert.equal(created.headers['location'], `/api/virtualization/${platform.id}`);
    schemas.platformViewSchema.parse(platform);
    assert.equal(platform.name, 'vc-lab');
    assert.equal(platform.tls.mode, 'thumbprint');
    assert.equal(platform.tls.thumbprint, Array(32).fill('AB').join(':'));
    assert.equal(platform.schedule, null);

    // get
    const got = await call(api, 'get-platform', { pathParameters: { platformId: platform.id } });
    assert.equal(got.statusCode, 200);
    assertNoPassword(got.text);
    assert.deepEqual(got.json, platform);

    // two more, then walk the list one by one
    const others = [];
    for (const name of ['vc-b', 'vc-c']) {
      const res = await call(api, 'create-platform', { body: validPlatform({ name, schedule: { everyMinutes: 30 } }) });
      assert.equal(res.statusCode, 201);
      others.push(res.json);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await call(api, 'list-platforms', { query: { limit: '1', ...(cursor ? { cursor } : {}) } });
      assert.equal(res.statusCode, 200, res.text);
      assertNoPassword(res.text);
      schemas.platformListSchema.parse(res.json);
      assert.ok(res.json.items.length <= 1);
      seen.push(...res.json.items.map((p: { id: string }) => p.id));
      cursor = res.json.nextCursor;
      assert.ok(++pages < 20, 'pagination terminates');
    } while (cursor);
    for (const id of [platform.id, ...others.map((p) => p.id)]) assert.ok(seen.includes(id), `${id} listed`);
    assert.equal(new Set(seen).size, seen.length, 'no platform listed twice');
    const whole = await call(api, 'list-platforms');
    assert.equal(whole.statusCode, 200);
    assert.equal(whole.json.nextCursor, undefined, 'no nextCursor on the last page');
    assert.deepEqual(new Set(whole.json.items.map((p: { id: string }) => p.id)), new Set(seen));

    // patch: name
    const renamed = await call(api, 'update-platform', { pathParameters: { platformId: platform.id }, body: { name: 'vc-renamed' } });
    assert.equal(renamed.statusCode, 200, renamed.text);
    assert.equal(renamed.json.name, 'vc-renamed');
    assert.equal(renamed.json.endpoint, platform.endpoint);
    assert.ok(renamed.json.updatedAt >= platform.updatedAt);
    assertNoPassword(renamed.text);

    // patch: schedule set computes nextSyncAt
    const before = Date.now();
    const scheduled = await call(api, 'update-platform', { pathParameters: { platformId: platform.id }, body: { schedule: { everyMinutes: 15 } } });
    assert.equal(scheduled.statusCode, 200, scheduled.text);
    assert.deepEqual(scheduled.json.schedule, { everyMinutes: 15 });
    const stored = await stores.platforms().get(platform.id);
    const next = Date.parse(stored!.nextSyncAt!);
    assert.ok(next >= before + 15 * 60_000 && next <= Date.now() + 15 * 60_000, 'nextSyncAt is 15 minutes out');

    // patch: schedule null removes schedule and nextSyncAt
    const unscheduled = await call(api, 'update-platform', { pathParameters: { platformId: platform.id }, body: { schedule: null } });
    assert.equal(unscheduled.statusCode, 200, unscheduled.text);
    assert.equal(unscheduled.json.schedule, null);
    const storedAfter = await stores.platforms().get(platform.id);
    assert.equal(storedAfter!.schedule, undefined);
    assert.equal(storedAfter!.nextSyncAt, undefined);

    // patch: password re-writes the secret, never echoes it
    const newPassword = 'An0ther-Secret-Value!';
    const rekeyed = await call(api, 'update-platform', { pathParameters: { platformId: platform.id }, body: { password: newPassword } });
    assert.equal(rekeyed.statusCode, 200, rekeyed.text);
    assertNoPassword(rekeyed.text, newPassword);
    const { platformSecretId } = await import('#shared/secrets/secret-store.ts');
    assert.deepEqual(await stores.secrets().get(platformSecretId(platform.id)), { username: platform.username, password: newPassword });

    // patch: username alone keeps the password in the secret
    const renamedUser = await call(api, 'update-platform', { pathParameters: { platformId: platform.id }, body: { username: 'svc-inventory' } });
    assert.equal(renamedUser.statusCode, 200, renamedUser.text);
    assert.deepEqual(await stores.secrets().get(platformSecretId(platform.id)), { username: 'svc-inventory', password: newPassword });

    // delete: the platform's hosts are kept and marked missing, other hosts untouched
    await stores.hosts().putMany([
      platformHost('vm-del-1', platform.id),
      platformHost('vm-del-2', platform.id, { kind: 'esxi' }),
      platformHost('vm-del-3', platform.id, { status: 'missing', missingSince: '2020-01-01T00:00:00.000Z' }),
      platformHost('vm-keep-1', others[0].id),
    ]);
    const deleted = await call(api, 'delete-platform', { pathParameters: { platformId: platform.id } });
    assert.equal(deleted.statusCode, 204, deleted.text);
    assert.equal((await call(api, 'get-platform', { pathParameters: { platformId: platform.id } })).statusCode, 404);
    assert.equal(await stores.secrets().get(platformSecretId(platform.id)), undefined, 'the secret is deleted');
    for (const id of ['vm-del-1', 'vm-del-2']) {
      const host = await stores.hosts().get(id);
      assert.equal(host?.status, 'missing', `${id} is missing`);
      assert.ok(host?.missingSince);
    }
    assert.equal((await stores.hosts().get('vm-del-3'))?.missingSince, '2020-01-01T00:00:00.000Z', 'an already missing host keeps missingSince');
    assert.equal((await stores.hosts().get('vm-keep-1'))?.status, 'active');
    const hostView = await call(api, 'get-host', { pathParameters: { hostId: 'vm-del-1' } });
    assert.equal(hostView.statusCode, 200);
    assert.equal(hostView.json.status, 'missing');

    // deleting again: 404
    assert.equal((await call(api, 'delete-platform', { pathParameters: { platformId: platform.id } })).statusCode, 404);
  });

  test('the secret is stored encrypted in the data directory', async () => {
    const marker = 'Plaintext-Marker-Password-42';
    const res = await call(api, 'create-platform', { body: validPlatform({ name: 'vc-secret', password: marker }) });
    assert.equal(res.statusCode, 201);
    const dir = join(env.dataDir, 'secrets');
    const files = await readdir(dir);
    assert.ok(files.length > 0, 'secret files exist');
    for (const file of files) {
      const content = await readFile(join(dir, file));
      assert.ok(!content.includes(marker), `${file} holds the password in clear`);
      assert.ok(!content.includes(Buffer.from(marker).toString('base64')), `${file} holds the password base64-encoded`);
      assert.ok(!content.includes('administrator@vsphere.local'), `${file} holds the username in clear`);
    }
    const { platformSecretId } = await import('#shared/secrets/secret-store.ts');
    assert.equal((await stores.secrets().get(platformSecretId(res.json.id)))?.['password'], marker);
  });

  test('delete is refused with 409 while a sync runs, naming the task', async () => {
    const res = await call(api, 'create-platform', { body: validPlatform({ name: 'vc-busy' }) });
    assert.equal(res.statusCode, 201);
    const now = new Date().toISOString();
    const task = newTask({ id: `task-busy-${Date.now()}`, type: 'platform_sync', trigger: 'api', status: 'running', phase: 'collecting', platformId: res.json.id }, now);
    assert.deepEqual(await stores.tasks().createSyncTask(task, res.json.id), { outcome: 'started' });
    await stores.hosts().putMany([platformHost('vm-busy-1', res.json.id)]);

    const refused = await call(api, 'delete-platform', { pathParameters: { platformId: res.json.id } });
    assert.equal(refused.statusCode, 409, refused.text);
    assert.equal(refused.headers['content-type'], 'application/problem+json');
    assert.equal(refused.json.taskId, task.id);
    assert.ok(await stores.platforms().get(res.json.id), 'the platform is still there');
    assert.equal((await stores.hosts().get('vm-busy-1'))?.status, 'active', 'its hosts are untouched');

    // The view shows the running sync; once it finishes the delete goes through.
    const view = await call(api, 'get-platform', { pathParameters: { platformId: res.json.id } });
    assert.equal(view.json.activeSyncTaskId, task.id);
    await stores.platforms().finishSync(res.json.id, task.id, { taskId: task.id, status: 'succeeded', finishedAt: now });
    assert.equal((await call(api, 'delete-platform', { pathParameters: { platformId: res.json.id } })).statusCode, 204);
    const host = await stores.hosts().get('vm-busy-1');
    assert.equal(host?.status, 'missing');
    assert.equal(host?.missingSince !== undefined, true, 'the time it went missing is kept');
    assert.equal(host?.lastTaskId, platformHost('vm-busy-1', res.json.id).lastTaskId, 'a deletion is no task: lastTaskId is untouched');
  });

  test('sync of an unknown platform is a 404 and starts nothing', async () => {
    const res = await call(api, 'start-platform-sync', { pathParameters: { platformId: 'no-such-platform' } });
    assert.equal(res.statusCode, 404, res.text);
    assert.equal(res.headers['content-type'], 'application/problem+json');
    const tasks = await stores.tasks().list({ limit: 1000 });
    assert.ok(!tasks.items.some((t) => t.platformId === 'no-such-platform'));
  });
});
