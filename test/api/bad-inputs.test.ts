import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type * as Stores from '#stores';
import { call, loadApi, startApiEnv, type ApiEnv, type ApiModules, type InvokeRequest, type InvokeResponse } from '#test/support/api-env.ts';

let env: ApiEnv;
let api: ApiModules;
let stores: typeof Stores;
let existingPlatformId: string;

const valid = {
  name: 'vc-lab',
  type: 'vmware',
  endpoint: 'https://vcenter.example.com/sdk',
  username: 'administrator@vsphere.local',
  password: 'Secret-Password-1',
};
const thumbprint = 'AB:'.repeat(31) + 'AB';

before(async () => {
  env = await startApiEnv();
  api = await loadApi();
  stores = await import('#stores');
  const res = await call(api, 'create-platform', { body: valid });
  assert.equal(res.statusCode, 201);
  existingPlatformId = res.json.id;
});

after(async () => {
  await env?.stop();
});

async function platformCount(): Promise<number> {
  return (await stores.platforms().list({ limit: 1000 })).items.length;
}

async function secretFileCount(): Promise<number> {
  try {
    return (await readdir(join(env.dataDir, 'secrets'))).length;
  } catch {
    return 0;
  }
}

const stackTrace = /\n\s+at |node_modules|\.ts:\d+|\.js:\d+|Error: /;

function assertProblem(res: InvokeResponse, status: number, errorPath?: string) {
  assert.equal(res.statusCode, status, res.text);
  assert.equal(res.headers['content-type'], 'application/problem+json');
  assert.equal(res.json.status, status);
  assert.equal(typeof res.json.type, 'string');
  assert.ok(typeof res.json.title === 'string' && res.json.title.length > 0, 'title');
  assert.ok(typeof res.json.detail === 'string' && res.json.detail.length > 0, 'detail');
  assert.doesNotMatch(res.text, stackTrace, 'no stack trace in the body');
  if (errorPath !== undefined) {
    assert.ok(Array.isArray(res.json.errors) && res.json.errors.length > 0, 'errors[] present');
    for (const error of res.json.errors) {
      assert.equal(typeof error.path, 'string');
      assert.equal(typeof error.message, 'string');
    }
    const paths = res.json.errors.map((e: { path: string }) => e.path);
    assert.ok(
      paths.some((p: string) => p === errorPath || p.startsWith(`${errorPath}.`)),
      `an error at ${errorPath}, got ${paths.join(', ')}`,
    );
  }
}

interface Case {
  name: string;
  op: string;
  request: Omit<InvokeRequest, 'method' | 'path'> | (() => Omit<InvokeRequest, 'method' | 'path'>);
  status: number;
  /** Expected errors[].path (or a prefix of one) for schema failures. */
  errorPath?: string;
}

const create = (name: string, body: unknown, errorPath?: string, status = 400): Case => ({ name, op: 'create-platform', request: { body }, status, ...(errorPath !== undefined ? { errorPath } : {}) });
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const cases: Case[] = [
  // body parsing
  create('invalid JSON', '{"name": "vc", ', 'body'),
  create('empty body', '', 'body'),
  create('whitespace body', '   \n', 'body'),
  { name: 'no body at all', op: 'create-platform', request: {}, status: 400, errorPath: 'body' },
  create('JSON null', 'null', 'body'),
  create('JSON array', '[]', 'body'),
  create('JSON string', '"vmware"', 'body'),
  create('body over 1 MB', { ...valid, password: 'x'.repeat(1024 * 1024 + 1) }, undefined, 413),
  // schema
  create('missing required fields', { name: 'vc' }, 'body.type'),
  create('missing password', { ...valid, password: undefined }, 'body.password'),
  create('empty object', {}, 'body.name'),
  create('wrong type: name is a number', { ...valid, name: 42 }, 'body.name'),
  create('wrong type: schedule.everyMinutes is a string', { ...valid, schedule: { everyMinutes: '15' } }, 'body.schedule.everyMinutes'),
  create('wrong type: tls is a string', { ...valid, tls: 'insecure' }, 'body.tls'),
  create('blank name', { ...valid, name: '   ' }, 'body.name'),
  create('unknown top-level field', { ...valid, isAdmin: true }, 'body'),
  create('unknown field in tls', { ...valid, tls: { mode: 'verify', caBundle: 'x' } }, 'body.tls'),
  create('unknown field in schedule', { ...valid, schedule: { everyMinutes: 15, cron: '* * * * *' } }, 'body.schedule'),
  create('bad enum: type', { ...valid, type: 'hyperv' }, 'body.type'),
  create('bad enum: tls.mode', { ...valid, tls: { mode: 'sometimes' } }, 'body.tls.mode'),
  create('schedule too frequent', { ...valid, schedule: { everyMinutes: 1 } }, 'body.schedule.everyMinutes'),
  create('endpoint not a URL', { ...valid, endpoint: 'vcenter.example.com' }, 'body.endpoint'),
  create('endpoint with a non-http scheme', { ...valid, endpoint: 'ftp://vcenter.example.com/sdk' }, 'body.endpoint'),
  create('endpoint: javascript: URL', { ...valid, endpoint: 'javascript:alert(1)' }, 'body.endpoint'),
  create('endpoint: EC2 metadata IPv4', { ...valid, endpoint: 'http://169.254.169.254/sdk' }, 'body.endpoint'),
  create('endpoint: link-local IPv4', { ...valid, endpoint: 'https://169.254.10.20/sdk' }, 'body.endpoint'),
  create('endpoint: metadata IPv4 in hex', { ...valid, endpoint: 'http://0xa9fea9fe/sdk' }, 'body.endpoint'),
  create('endpoint: metadata IPv4 as a decimal integer', { ...valid, endpoint: 'http://2852039166/sdk' }, 'body.endpoint'),
  create('endpoint: EC2 metadata IPv6', { ...valid, endpoint: 'http://[fd00:ec2::254]/sdk' }, 'body.endpoint'),
  create('endpoint: IPv4-mapped metadata', { ...valid, endpoint: 'http://[::ffff:169.254.169.254]/sdk' }, 'body.endpoint'),
  create('endpoint: link-local IPv6', { ...valid, endpoint: 'http://[fe80::1]/sdk' }, 'body.endpoint'),
  create('endpoint: GCP metadata name', { ...valid, endpoint: 'http://metadata.google.internal/sdk' }, 'body.endpoint'),
  create('thumbprint mode without thumbprint', { ...valid, tls: { mode: 'thumbprint' } }, 'body.tls.thumbprint'),
  create('malformed thumbprint: too short', { ...valid, tls: { mode: 'thumbprint', thumbprint: 'AB:CD' } }, 'body.tls.thumbprint'),
  create('malformed thumbprint: SHA-1 length', { ...valid, tls: { mode: 'thumbprint', thumbprint: 'AB:'.repeat(19) + 'AB' } }, 'body.tls.thumbprint'),
  create('malformed thumbprint: not hex', { ...valid, tls: { mode: 'thumbprint', thumbprint: 'ZZ'.repeat(32) } }, 'body.tls.thumbprint'),
  // update
  { name: 'patch: empty object', op: 'update-platform', request: () => ({ pathParameters: { platformId: existingPlatformId }, body: {} }), status: 400, errorPath: 'body' },
  { name: 'patch: unknown field', op: 'update-platform', request: () => ({ pathParameters: { platformId: existingPlatformId }, body: { type: 'vmware' } }), status: 400, errorPath: 'body' },
  { name: 'patch: metadata endpoint', op: 'update-platform', request: () => ({ pathParameters: { platformId: existingPlatformId }, body: { endpoint: 'http://169.254.169.254/sdk' } }), status: 400, errorPath: 'body.endpoint' },
  { name: 'patch: invalid JSON', op: 'update-platform', request: () => ({ pathParameters: { platformId: existingPlatformId }, body: '{' }), status: 400, errorPath: 'body' },
  { name: 'patch: unknown platform', op: 'update-platform', request: { pathParameters: { platformId: 'no-such-platform' }, body: { password: 'new-password' } }, status: 404 },
  // lists
  { name: 'limit=0', op: 'list-platforms', request: { query: { limit: '0' } }, status: 400, errorPath: 'query.limit' },
  { name: 'limit=5000', op: 'list-platforms', request: { query: { limit: '5000' } }, status: 400, errorPath: 'query.limit' },
  { name: 'limit=abc', op: 'list-platforms', request: { query: { limit: 'abc' } }, status: 400, errorPath: 'query.limit' },
  { name: 'limit=1.5', op: 'list-platforms', request: { query: { limit: '1.5' } }, status: 400, errorPath: 'query.limit' },
  { name: 'limit empty', op: 'list-hosts', request: { query: { limit: '' } }, status: 400, errorPath: 'query.limit' },
  { name: 'garbage cursor (not base64 JSON)', op: 'list-platforms', request: { query: { cursor: '!!garbage!!' } }, status: 400, errorPath: 'query.cursor' },
  { name: 'garbage cursor (JSON array)', op: 'list-platforms', request: { query: { cursor: cursorOf([1, 2]) } }, status: 400, errorPath: 'query.cursor' },
  { name: 'forged cursor (wrong key)', op: 'list-platforms', request: { query: { cursor: cursorOf({ nope: 1 }) } }, status: 400, errorPath: 'query.cursor' },
  { name: 'forged cursor (wrong key type)', op: 'list-platforms', request: { query: { cursor: cursorOf({ id: { nested: true } }) } }, status: 400, errorPath: 'query.cursor' },
  { name: 'garbage cursor on tasks', op: 'list-tasks', request: { query: { cursor: 'garbage' } }, status: 400, errorPath: 'query.cursor' },
  { name: 'forged cursor on tasks', op: 'list-tasks', request: { query: { cursor: cursorOf({ id: 'x' }) } }, status: 400, errorPath: 'query.cursor' },
  { name: 'garbage cursor on hosts', op: 'list-hosts', request: { query: { cursor: 'garbage' } }, status: 400, errorPath: 'query.cursor' },
  { name: 'forged cursor on hosts', op: 'list-hosts', request: { query: { cursor: cursorOf({ id: 1 }) } }, status: 400, errorPath: 'query.cursor' },
  { name: 'task type not an enum value', op: 'list-tasks', request: { query: { type: 'platform-sync' } }, status: 400, errorPath: 'query.type' },
  { name: 'task status not an enum value', op: 'list-tasks', request: { query: { status: 'done' } }, status: 400, errorPath: 'query.status' },
  { name: 'task item status not an enum value', op: 'list-task-items', request: { pathParameters: { taskId: 'x' }, query: { status: 'error' } }, status: 400, errorPath: 'query.status' },
  { name: 'host kind not an enum value', op: 'list-hosts', request: { query: { kind: 'mainframe' } }, status: 400, errorPath: 'query.kind' },
  { name: 'host source not an enum value', op: 'list-hosts', request: { query: { source: 'cloud' } }, status: 400, errorPath: 'query.source' },
  { name: 'host status not an enum value', op: 'list-hosts', request: { query: { status: 'gone' } }, status: 400, errorPath: 'query.status' },
  // ids
  { name: 'unknown platform', op: 'get-platform', request: { pathParameters: { platformId: 'no-such-platform' } }, status: 404 },
  { name: 'platform id too long', op: 'get-platform', request: { pathParameters: { platformId: 'x'.repeat(200) } }, status: 400, errorPath: 'path.platformId' },
  { name: 'delete unknown platform', op: 'delete-platform', request: { pathParameters: { platformId: 'no-such-platform' } }, status: 404 },
  { name: 'sync of unknown platform', op: 'start-platform-sync', request: { pathParameters: { platformId: 'no-such-platform' } }, status: 404 },
  { name: 'unknown task', op: 'get-task', request: { pathParameters: { taskId: 'no-such-task' } }, status: 404 },
  { name: 'items of unknown task', op: 'list-task-items', request: { pathParameters: { taskId: 'no-such-task' } }, status: 404 },
  { name: 'unknown host', op: 'get-host', request: { pathParameters: { hostId: 'no-such-host' } }, status: 404 },
];

describe('bad inputs answer problem+json and write nothing', () => {
  for (const c of cases) {
    test(`${c.op}: ${c.name} -> ${c.status}`, async () => {
      const platformsBefore = await platformCount();
      const secretsBefore = await secretFileCount();
      const existingBefore = await stores.platforms().get(existingPlatformId);
      const res = await call(api, c.op, typeof c.request === 'function' ? c.request() : c.request);
      assertProblem(res, c.status, c.errorPath);
      assert.equal(await platformCount(), platformsBefore, 'platform count unchanged');
      assert.equal(await secretFileCount(), secretsBefore, 'no secret written');
      assert.deepEqual(await stores.platforms().get(existingPlatformId), existingBefore, 'existing platform unchanged');
    });
  }
});

describe('fuzz: create-platform', () => {
  const validEndpoint = fc.constantFrom('https://vcenter.example.com/sdk', 'http://127.0.0.1:8989/sdk', 'https://[2001:db8::1]/sdk', 'https://vc/sdk');
  const badEndpoint = fc.constantFrom('http://169.254.169.254/sdk', 'http://[fd00:ec2::254]/sdk', 'http://[::ffff:169.254.169.254]/sdk', 'ftp://x/sdk', 'not a url', '');
  const anyString = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constant(''));
  const nearlyValid = fc.record(
    {
      name: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), anyString, fc.integer(), fc.constant(null)),
      type: fc.oneof(fc.constant('vmware'), fc.constant('vmware'), fc.string(), fc.integer()),
      endpoint: fc.oneof(validEndpoint, validEndpoint, badEndpoint, fc.webUrl(), anyString),
      username: fc.oneof(fc.string({ minLength: 1 }), fc.constant(''), fc.integer()),
      password: fc.oneof(fc.string({ minLength: 1 }), fc.constant(''), fc.boolean()),
      tls: fc.oneof(
        fc.record({ mode: fc.constantFrom('verify', 'insecure', 'thumbprint', 'bogus') }, { requiredKeys: [] }),
        fc.record({ mode: fc.constant('thumbprint'), thumbprint: fc.oneof(fc.constant(thumbprint), fc.constant(thumbprint.replaceAll(':', '').toLowerCase()), fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:') }), anyString) }),
        fc.jsonValue(),
      ),
      schedule: fc.oneof(fc.constant(null), fc.record({ everyMinutes: fc.oneof(fc.integer({ min: -10, max: 20_000 }), fc.double(), fc.string()) }), fc.jsonValue()),
      extra: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );
  const validBody = fc.record(
    {
      name: fc.string({ minLength: 1, maxLength: 60 }).filter((name) => name.trim().length > 0),
      type: fc.constant('vmware'),
      endpoint: validEndpoint,
      username: fc.string({ minLength: 1, maxLength: 60 }),
      password: fc.string({ minLength: 1, maxLength: 60 }),
      tls: fc.oneof(
        fc.constant({ mode: 'verify' }),
        fc.constant({ mode: 'insecure' }),
        fc.constant({ mode: 'thumbprint', thumbprint }),
        fc.constant({ mode: 'thumbprint', thumbprint: thumbprint.replaceAll(':', '').toLowerCase() }),
      ),
      schedule: fc.oneof(fc.constant(null), fc.record({ everyMinutes: fc.integer({ min: 5, max: 7 * 24 * 60 }) })),
    },
    { requiredKeys: ['name', 'type', 'endpoint', 'username', 'password'] },
  );
  // A valid body with one field replaced by anything, or one extra field.
  const mutatedBody = fc
    .tuple(validBody, fc.constantFrom('name', 'type', 'endpoint', 'username', 'password', 'tls', 'schedule', 'extra'), fc.jsonValue())
    .map(([body, key, value]) => ({ ...body, [key]: value }));
  const body = fc.oneof(
    { weight: 3, arbitrary: validBody },
    { weight: 3, arbitrary: mutatedBody },
    { weight: 4, arbitrary: nearlyValid },
    { weight: 2, arbitrary: fc.jsonValue() },
    { weight: 1, arbitrary: fc.dictionary(fc.string(), fc.jsonValue()) },
    { weight: 1, arbitrary: fc.string().map((text) => ({ raw: text })) },
  );

  test('arbitrary bodies never yield a 5xx, and a 2xx only for schema-valid bodies', async () => {
    const { createPlatformSchema } = await import('#shared/domain/platform.ts');
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const raw = value !== null && typeof value === 'object' && 'raw' in value && Object.keys(value).length === 1 ? String(value.raw) : undefined;
        const res = await call(api, 'create-platform', { body: raw ?? JSON.stringify(value) });
        assert.ok(res.statusCode < 500, `5xx for ${raw ?? JSON.stringify(value)}: ${res.text}`);
        const parsed = raw === undefined ? createPlatformSchema.safeParse(value) : (() => {
          try {
            return createPlatformSchema.safeParse(JSON.parse(raw));
          } catch {
            return { success: false as const };
          }
        })();
        if (res.statusCode >= 200 && res.statusCode < 300) {
          assert.ok(parsed.success, `2xx for a body the schema refuses: ${raw ?? JSON.stringify(value)}`);
          accepted++;
          const password = (value as { password?: unknown }).password;
          if (typeof password === 'string' && password.length >= 4) assert.ok(!res.text.includes(password), 'password echoed');
        } else {
          assert.equal(res.headers['content-type'], 'application/problem+json');
          assert.ok(!parsed.success, `refused a body the schema accepts: ${res.text}`);
        }
      }),
      { numRuns: 300 },
    );
    assert.ok(accepted > 0, 'the generator produced some valid bodies');
  });
});
