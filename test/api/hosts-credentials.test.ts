import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Host } from '#shared/domain/host.ts';
import type * as Stores from '#stores';
import type * as Schemas from '#shared/api/schemas.ts';
import type * as SecretIds from '#shared/secrets/secret-store.ts';
import { call, startApiEnv, type ApiEnv, type ApiModules, type InvokeRequest, type InvokeResponse } from '#test/support/api-env.ts';

let env: ApiEnv;
let api: ApiModules;
let stores: typeof Stores;
let schemas: typeof Schemas;
let secretIds: typeof SecretIds;

const password = 'Host-Pa55word!-never-in-clear';
const profilePassword = 'Profile-Pa55word!-never-in-clear';
const passphrase = 'Key-Passphrase!-never-in-clear';
const { privateKey } = generateKeyPairSync('ed25519', {
  privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
/** A distinctive slice of the key body: if it appears anywhere, the key leaked. */
const keyBody = privateKey.split('\n')[2]!;
const materials = [password, profilePassword, passphrase, keyBody];

before(async () => {
  env = await startApiEnv();
  api = await loadOperations();
  stores = await import('#stores');
  schemas = await import('#shared/api/schemas.ts');
  secretIds = await import('#shared/secrets/secret-store.ts');
  // A platform host, for the "platform hosts are not patchable" case.
  const now = new Date().toISOString();
  await stores.hosts().putMany([
    {
      id: 'vm-platform-1',
      source: 'platform',
      platformId: 'p-1',
      kind: 'vm',
      name: 'vm-1',
      searchName: 'vm-1',
      ipAddresses: [],
      facts: {},
      status: 'active',
      contentHash: 'hash',
      firstSeenAt: now,
      lastSeenAt: now,
    },
  ]);
});

after(async () => {
  await env?.stop();
});

const operationIds = [
  'get-openapi',
  'list-hosts',
  'get-host',
  'create-host',
  'import-hosts',
  'update-host',
  'delete-host',
  'create-credential',
  'list-credentials',
  'delete-credential',
];

/** Only the handlers used here: other catalog entries may be work in progress. */
async function loadOperations(): Promise<ApiModules> {
  const entries = await Promise.all(operationIds.map(async (id) => [id, (await import(`#functions/api/${id}.ts`)) as { handler: unknown }] as const));
  return Object.fromEntries(entries);
}

function assertNoMaterial(text: string) {
  for (const secret of materials) assert.ok(!text.includes(secret), 'credential material in the response');
  assert.doesNotMatch(text, /"(password|privateKey|passphrase)"\s*:/, 'a credential field in the response');
}

async function secretFiles(): Promise<string[]> {
  try {
    return (await readdir(join(env.dataDir, 'secrets'))).filter((name) => name.endsWith('.enc'));
  } catch {
    return [];
  }
}

async function allHosts(): Promise<Host[]> {
  return (await stores.hosts().list({}, { limit: 1000 })).items;
}

async function remoteHosts(): Promise<(Host & { address: string; port: number })[]> {
  return (await allHosts()).filter((host) => 'address' in host) as (Host & { address: string; port: number })[];
}

async function createProfile(body: Record<string, unknown>): Promise<string> {
  const res = await call(api, 'create-credential', { body });
  assert.equal(res.statusCode, 201, res.text);
  assertNoMaterial(res.text);
  return res.json.id;
}

const stackTrace = /\n\s+at |node_modules|\.ts:\d+|\.js:\d+|Error: /;

function assertProblem(res: InvokeResponse, status: number, errorPath?: string) {
  assert.equal(res.statusCode, status, res.text);
  assert.equal(res.headers['content-type'], 'application/problem+json');
  assert.equal(res.json.status, status);
  assert.ok(typeof res.json.title === 'string' && res.json.title.length > 0);
  assert.ok(typeof res.json.detail === 'string' && res.json.detail.length > 0);
  assert.doesNotMatch(res.text, stackTrace);
  assertNoMaterial(res.text);
  if (errorPath !== undefined) {
    assert.ok(Array.isArray(res.json.errors) && res.json.errors.length > 0, `errors[] in ${res.text}`);
    const paths: string[] = res.json.errors.map((e: { path: string }) => e.path);
    assert.ok(
      paths.some((p) => p === errorPath || p.startsWith(`${errorPath}.`)),
      `an error at ${errorPath}, got ${paths.join(', ')}`,
    );
  }
}

describe('credential profiles', () => {
  test('create and list return metadata only; the material is in the secret store, encrypted on disk', async () => {
    const passwordId = await createProfile({ name: 'linux-root', username: 'root', password: profilePassword });
    const keyId = await createProfile({ name: 'deploy-key', username: 'deploy', privateKey, passphrase });
    const bothId = await createProfile({ name: 'both', username: 'admin', password: profilePassword, privateKey });

    const list = await call(api, 'list-credentials');
    assert.equal(list.statusCode, 200, list.text);
    assertNoMaterial(list.text);
    schemas.credentialListSchema.parse(list.json);
    const byId = new Map(list.json.items.map((item: { id: string }) => [item.id, item]));
    assert.deepEqual(
      [passwordId, keyId, bothId].map((id) => (byId.get(id) as { authType: string }).authType),
      ['password', 'privateKey', 'both'],
    );
    const item = byId.get(keyId) as Record<string, unknown>;
    assert.deepEqual(Object.keys(item).sort(), ['authType', 'createdAt', 'id', 'name', 'updatedAt', 'username']);
    assert.equal(item['username'], 'deploy');

    // Paged one by one.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await call(api, 'list-credentials', { query: { limit: '1', ...(cursor ? { cursor } : {}) } });
      assert.equal(res.statusCode, 200);
      seen.push(...res.json.items.map((p: { id: string }) => p.id));
      cursor = res.json.nextCursor;
    } while (cursor);
    for (const id of [passwordId, keyId, bothId]) assert.ok(seen.includes(id));

    // The secret store holds the material under credential/<id> ...
    const secret = await stores.secrets().get(secretIds.credentialSecretId(keyId));
    assert.deepEqual(secret, { username: 'deploy', privateKey: `${privateKey.trim()}\n`, passphrase });
    // ... and the files on disk are ciphertext, the key file private.
    for (const file of await secretFiles()) {
      const raw = await readFile(join(env.dataDir, 'secrets', file));
      for (const material of materials) assert.ok(!raw.includes(material), `${material.slice(0, 8)}... in clear in ${file}`);
      assert.ok(!raw.includes('PRIVATE KEY'), 'PEM armour in clear');
    }
    assert.equal((await stat(join(env.dataDir, 'secrets.key'))).mode & 0o777, 0o600);
  });

  test('delete is refused while a host uses the profile, allowed after', async () => {
    const id = await createProfile({ name: 'shared', username: 'ops', password: profilePassword });
    const host = await call(api, 'create-host', { body: { address: '10.9.0.1', kind: 'linux', credentialId: id } });
    assert.equal(host.statusCode, 201, host.text);

    const refused = await call(api, 'delete-credential', { pathParameters: { credentialId: id } });
    assertProblem(refused, 409);
    assert.deepEqual(refused.json.hostIds, [host.json.id]);
    assert.ok(await stores.credentials().get(id), 'profile kept');
    assert.ok(await stores.secrets().get(secretIds.credentialSecretId(id)), 'secret kept');

    const repointed = await call(api, 'update-host', {
      pathParameters: { hostId: host.json.id },
      body: { credential: { username: 'ops', password } },
    });
    assert.equal(repointed.statusCode, 200, repointed.text);
    assert.deepEqual(repointed.json.credentialRef, { type: 'inline' });
    assert.equal(repointed.json.credentialId, undefined);

    const deleted = await call(api, 'delete-credential', { pathParameters: { credentialId: id } });
    assert.equal(deleted.statusCode, 204, deleted.text);
    assert.equal(await stores.credentials().get(id), undefined);
    assert.equal(await stores.secrets().get(secretIds.credentialSecretId(id)), undefined);
    assertProblem(await call(api, 'delete-credential', { pathParameters: { credentialId: id } }), 404);
  });
});

describe('hosts added by hand', () => {
  test('inline password: 201, source manual, no material in the response, secret under host/<id>', async () => {
    const res = await call(api, 'create-host', {
      body: { name: 'build-01', address: 'Build01.Example.COM.', kind: 'linux', credential: { username: 'root', password } },
    });
    assert.equal(res.statusCode, 201, res.text);
    assertNoMaterial(res.text);
    const host = res.json;
    schemas.remoteHostViewSchema.parse(host);
    assert.equal(res.headers['location'], `/api/hosts/${host.id}`);
    assert.equal(host.source, 'manual');
    assert.equal(host.kind, 'linux');
    assert.equal(host.name, 'build-01');
    assert.equal(host.address, 'build01.example.com');
    assert.equal(host.port, 22);
    assert.equal(host.status, 'active');
    assert.deepEqual(host.credentialRef, { type: 'inline' });
    assert.deepEqual(await stores.secrets().get(secretIds.hostSecretId(host.id)), { username: 'root', password });

    const got = await call(api, 'get-host', { pathParameters: { hostId: host.id } });
    assert.equal(got.statusCode, 200);
    assertNoMaterial(got.text);
    assert.deepEqual(got.json, host);

    for (const file of await secretFiles()) {
      const raw = await readFile(join(env.dataDir, 'secrets', file));
      assert.ok(!raw.includes(password), 'password in clear on disk');
    }

    // The same address (any spelling) and port is the same host: 409 naming it.
    const again = await call(api, 'create-host', { body: { address: 'build01.example.com', kind: 'linux', credential: { username: 'x', password: 'y' } } });
    assertProblem(again, 409);
    assert.equal(again.json.hostId, host.id);
    // Another port is another host.
    const otherPort = await call(api, 'create-host', { body: { address: 'build01.example.com', port: 2222, kind: 'linux', credential: { username: 'x', password: 'y' } } });
    assert.equal(otherPort.statusCode, 201, otherPort.text);
  });

  test('with a profile: credentialRef names it, no secret of its own', async () => {
    const profileId = await createProfile({ name: 'esx-root', username: 'root', password: profilePassword });
    const before = (await secretFiles()).length;
    const res = await call(api, 'create-host', { body: { address: '2001:DB8:0:0::10', port: 443, kind: 'esxi', credentialId: profileId } });
    assert.equal(res.statusCode, 201, res.text);
    assertNoMaterial(res.text);
    assert.equal(res.json.address, '2001:db8::10');
    assert.equal(res.json.name, '2001:db8::10');
    assert.deepEqual(res.json.ipAddresses, ['2001:db8::10']);
    assert.deepEqual(res.json.credentialRef, { type: 'profile', id: profileId });
    assert.equal(res.json.credentialId, profileId);
    assert.equal((await secretFiles()).length, before, 'no new secret');
    assert.equal(secretIds.remoteHostSecretId(res.json), secretIds.credentialSecretId(profileId));
  });
});

describe('import', () => {
  test('re-importing known addresses updates them, never duplicates', async () => {
    const profileId = await createProfile({ name: 'scan-profile', username: 'scan', privateKey, passphrase });
    const manual = await call(api, 'create-host', { body: { address: '10.1.0.1', kind: 'linux', credential: { username: 'root', password } } });
    assert.equal(manual.statusCode, 201);

    const batch = [
      { address: '10.1.0.1', kind: 'linux', credentialId: profileId, name: 'known-by-hand' },
      { address: '10.1.0.2', kind: 'windows', credential: { username: 'Administrator', password } },
      { address: 'scan-03.example.com', port: 2222, kind: 'linux', credentialId: profileId },
    ];
    const first = await call(api, 'import-hosts', { body: batch });
    assert.equal(first.statusCode, 200, first.text);
    assertNoMaterial(first.text);
    schemas.importHostsResultSchema.parse(first.json);
    assert.equal(first.json.created, 2);
    assert.equal(first.json.updated, 1);
    assert.deepEqual(
      first.json.items.map((i: { outcome: string }) => i.outcome),
      ['updated', 'created', 'created'],
    );
    assert.equal(first.json.items[0].id, manual.json.id);

    // The manual host kept its id and source, took the profile, and its own secret is gone.
    const known = (await stores.hosts().get(manual.json.id)) as Host & Record<string, unknown>;
    assert.equal(known.source, 'manual');
    assert.equal(known.name, 'known-by-hand');
    assert.deepEqual(known['credentialRef'], { type: 'profile', id: profileId });
    assert.equal(await stores.secrets().get(secretIds.hostSecretId(manual.json.id)), undefined);

    const windowsId: string = first.json.items[1].id;
    const windows = await stores.hosts().get(windowsId);
    assert.equal(windows?.source, 'scan');
    assert.deepEqual(await stores.secrets().get(secretIds.hostSecretId(windowsId)), { username: 'Administrator', password });

    const countBefore = (await remoteHosts()).length;
    const again = await call(api, 'import-hosts', {
      body: [
        { address: '10.1.0.2', kind: 'windows', name: 'renamed', credential: { username: 'Administrator', password: 'new-password' } },
        { address: 'SCAN-03.EXAMPLE.COM', port: 2222, kind: 'esxi', credentialId: profileId },
      ],
    });
    assert.equal(again.statusCode, 200, again.text);
    assert.equal(again.json.created, 0);
    assert.equal(again.json.updated, 2);
    assert.equal((await remoteHosts()).length, countBefore, 'no host added');
    assert.equal((await stores.hosts().get(windowsId))?.name, 'renamed');
    assert.equal((await stores.hosts().get(first.json.items[2].id))?.kind, 'esxi');
    assert.deepEqual(await stores.secrets().get(secretIds.hostSecretId(windowsId)), { username: 'Administrator', password: 'new-password' });
    const byAddress = (await remoteHosts()).filter((host) => host.address === '10.1.0.2');
    assert.equal(byAddress.length, 1);
  });

  test('a host whose address was changed is still found by its new address', async () => {
    const created = await call(api, 'create-host', { body: { address: '10.2.0.1', kind: 'linux', credential: { username: 'u', password } } });
    const moved = await call(api, 'update-host', { pathParameters: { hostId: created.json.id }, body: { address: '10.2.0.99' } });
    assert.equal(moved.statusCode, 200, moved.text);
    const imported = await call(api, 'import-hosts', {
      body: [
        { address: '10.2.0.99', kind: 'linux', credential: { username: 'u', password } },
        // The old address is free again: a new host, which cannot take the derived id the moved host holds.
        { address: '10.2.0.1', kind: 'linux', credential: { username: 'u', password } },
      ],
    });
    assert.equal(imported.statusCode, 200, imported.text);
    assert.deepEqual(
      imported.json.items.map((i: { outcome: string }) => i.outcome),
      ['updated', 'created'],
    );
    assert.equal(imported.json.items[0].id, created.json.id);
    assert.notEqual(imported.json.items[1].id, created.json.id);

    // A large import reads the byAddress index instead of querying it per address: same outcome.
    const large = [
      { address: '10.2.0.99', kind: 'linux', name: 'found-by-scan', credential: { username: 'u', password } },
      ...Array.from({ length: 300 }, (_, i) => ({ address: `10.20.${i >> 8}.${i & 255}`, kind: 'linux', credential: { username: 'u', password } })),
    ];
    const bulk = await call(api, 'import-hosts', { body: large });
    assert.equal(bulk.statusCode, 200, bulk.text);
    assert.equal(bulk.json.items[0].id, created.json.id);
    assert.equal(bulk.json.items[0].outcome, 'updated');
    assert.equal(bulk.json.created, 300);
    assert.equal((await stores.hosts().get(created.json.id))?.name, 'found-by-scan');
    const again = await call(api, 'import-hosts', { body: large });
    assert.equal(again.json.updated, 301);
  });
});

describe('update and delete', () => {
  test('patch fields, resetHostKey, switch credentials; delete removes the inline secret', async () => {
    const profileId = await createProfile({ name: 'patch-profile', username: 'ops', password: profilePassword });
    const created = await call(api, 'create-host', { body: { address: '10.3.0.1', kind: 'linux', credential: { username: 'root', password } } });
    const id: string = created.json.id;
    const path = { pathParameters: { hostId: id } };

    const renamed = await call(api, 'update-host', { ...path, body: { name: 'Patched-Name', port: 2200, kind: 'esxi' } });
    assert.equal(renamed.statusCode, 200, renamed.text);
    assertNoMaterial(renamed.text);
    assert.equal(renamed.json.name, 'Patched-Name');
    assert.equal(renamed.json.port, 2200);
    assert.equal(renamed.json.kind, 'esxi');
    const found = await call(api, 'list-hosts', { query: { q: 'patched' } });
    assert.ok(found.json.items.some((h: { id: string }) => h.id === id), 'searchName follows the name');

    const reset = await call(api, 'update-host', { ...path, body: { resetHostKey: true } });
    assert.equal(reset.statusCode, 200);
    assert.equal(reset.json.hostKeyResetRequested, true);
    assert.equal(((await stores.hosts().get(id)) as unknown as Record<string, unknown>)['hostKeyResetRequested'], true);
    const withdrawn = await call(api, 'update-host', { ...path, body: { resetHostKey: false } });
    assert.equal(withdrawn.json.hostKeyResetRequested, undefined);

    // inline -> profile: the host's own secret goes; profile -> inline: it comes back.
    const toProfile = await call(api, 'update-host', { ...path, body: { credentialId: profileId } });
    assert.equal(toProfile.statusCode, 200, toProfile.text);
    assert.deepEqual(toProfile.json.credentialRef, { type: 'profile', id: profileId });
    assert.equal(await stores.secrets().get(secretIds.hostSecretId(id)), undefined);
    const toInline = await call(api, 'update-host', { ...path, body: { credential: { username: 'deploy', privateKey } } });
    assert.equal(toInline.statusCode, 200, toInline.text);
    assertNoMaterial(toInline.text);
    assert.deepEqual(await stores.secrets().get(secretIds.hostSecretId(id)), { username: 'deploy', privateKey: `${privateKey.trim()}\n` });

    // Moving onto another host's address is a conflict.
    const other = await call(api, 'create-host', { body: { address: '10.3.0.2', kind: 'linux', credentialId: profileId } });
    const clash = await call(api, 'update-host', { pathParameters: { hostId: other.json.id }, body: { address: '10.3.0.1', port: 2200 } });
    assertProblem(clash, 409);
    assert.equal(clash.json.hostId, id);

    const deleted = await call(api, 'delete-host', path);
    assert.equal(deleted.statusCode, 204, deleted.text);
    assert.equal(await stores.hosts().get(id), undefined);
    assert.equal(await stores.secrets().get(secretIds.hostSecretId(id)), undefined);
    assertProblem(await call(api, 'delete-host', path), 404);
    assertProblem(await call(api, 'get-host', path), 404);
  });

  test('platform hosts are maintained by their sync: PATCH is a 400', async () => {
    const res = await call(api, 'update-host', { pathParameters: { hostId: 'vm-platform-1' }, body: { name: 'x' } });
    assertProblem(res, 400, 'body.name');
    assert.equal((await stores.hosts().get('vm-platform-1'))?.name, 'vm-1');
  });
});

describe('bad input: problem+json, nothing written', () => {
  type Request = Omit<InvokeRequest, 'method' | 'path'>;
  interface Case {
    name: string;
    op: string;
    request: Request | (() => Request);
    status: number;
    errorPath?: string;
  }

  let profileId: string;
  let hostId: string;
  before(async () => {
    profileId = await createProfile({ name: 'bad-input-profile', username: 'u', password: profilePassword });
    const res = await call(api, 'create-host', { body: { address: '10.4.0.1', kind: 'linux', credentialId: profileId } });
    hostId = res.json.id;
  });

  const inline = { username: 'root', password };
  const host = (overrides: Record<string, unknown> = {}) => ({ address: '10.5.0.1', kind: 'linux', credential: inline, ...overrides });
  const withoutCredential = { address: '10.5.0.1', kind: 'linux' };
  const manyImports = Array.from({ length: 10_001 }, (_, i) => ({ address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, kind: 'linux', credentialId: 'c' }));

  const cases: Case[] = [
    { name: 'both credential and credentialId', op: 'create-host', request: () => ({ body: host({ credentialId: profileId }) }), status: 400, errorPath: 'body.credential' },
    { name: 'neither credential nor credentialId', op: 'create-host', request: { body: withoutCredential }, status: 400, errorPath: 'body.credential' },
    { name: 'bad kind', op: 'create-host', request: { body: host({ kind: 'vm' }) }, status: 400, errorPath: 'body.kind' },
    { name: 'port 0', op: 'create-host', request: { body: host({ port: 0 }) }, status: 400, errorPath: 'body.port' },
    { name: 'port 70000', op: 'create-host', request: { body: host({ port: 70000 }) }, status: 400, errorPath: 'body.port' },
    { name: 'port as a string', op: 'create-host', request: { body: host({ port: '22' }) }, status: 400, errorPath: 'body.port' },
    { name: 'empty address', op: 'create-host', request: { body: host({ address: '' }) }, status: 400, errorPath: 'body.address' },
    { name: 'blank address', op: 'create-host', request: { body: host({ address: '   ' }) }, status: 400, errorPath: 'body.address' },
    { name: 'address with spaces', op: 'create-host', request: { body: host({ address: 'not an address' }) }, status: 400, errorPath: 'body.address' },
    { name: 'malformed IPv4', op: 'create-host', request: { body: host({ address: '10.0.0.300' }) }, status: 400, errorPath: 'body.address' },
    { name: 'metadata address', op: 'create-host', request: { body: host({ address: '169.254.169.254' }) }, status: 400, errorPath: 'body.address' },
    { name: 'missing address', op: 'create-host', request: { body: { kind: 'linux', credential: inline } }, status: 400, errorPath: 'body.address' },
    { name: 'privateKey garbage', op: 'create-host', request: { body: host({ credential: { username: 'root', privateKey: `garbage ${keyBody}` } }) }, status: 400, errorPath: 'body.credential.privateKey' },
    { name: 'no password nor key', op: 'create-host', request: { body: host({ credential: { username: 'root' } }) }, status: 400, errorPath: 'body.credential' },
    { name: 'passphrase without key', op: 'create-host', request: { body: host({ credential: { username: 'root', password, passphrase } }) }, status: 400, errorPath: 'body.credential.passphrase' },
    { name: 'empty username', op: 'create-host', request: { body: host({ credential: { username: '', password } }) }, status: 400, errorPath: 'body.credential.username' },
    { name: 'unknown credential field', op: 'create-host', request: { body: host({ credential: { ...inline, token: password } }) }, status: 400, errorPath: 'body.credential' },
    { name: 'unknown field', op: 'create-host', request: { body: host({ source: 'scan' }) }, status: 400, errorPath: 'body' },
    { name: 'not JSON', op: 'create-host', request: { body: `{"address": "10.5.0.1", "credential": {"password": "${password}"` }, status: 400, errorPath: 'body' },
    { name: 'unknown credentialId', op: 'create-host', request: { body: { address: '10.5.0.1', kind: 'linux', credentialId: 'no-such-profile' } }, status: 404, errorPath: 'body.credentialId' },

    { name: 'import: not an array', op: 'import-hosts', request: { body: host() }, status: 400, errorPath: 'body' },
    { name: 'import: empty array', op: 'import-hosts', request: { body: [] }, status: 400, errorPath: 'body' },
    { name: 'import: 10,001 items', op: 'import-hosts', request: { body: manyImports }, status: 413 },
    { name: 'import: duplicates', op: 'import-hosts', request: { body: [host(), host({ address: '10.5.0.2' }), host({ address: '10.5.0.1' })] }, status: 400, errorPath: 'body.2.address' },
    { name: 'import: duplicates in two spellings', op: 'import-hosts', request: { body: [host({ address: 'Dup.Example.com' }), host({ address: 'dup.example.com.' })] }, status: 400, errorPath: 'body.1.address' },
    { name: 'import: one bad item among good ones', op: 'import-hosts', request: { body: [host(), host({ address: '10.5.0.2', kind: 'vm' })] }, status: 400, errorPath: 'body.1.kind' },
    { name: 'import: both credential and credentialId', op: 'import-hosts', request: () => ({ body: [host(), host({ address: '10.5.0.2', credentialId: profileId })] }), status: 400, errorPath: 'body.1.credential' },
    { name: 'import: unknown credentialId', op: 'import-hosts', request: { body: [host(), { address: '10.5.0.2', kind: 'linux', credentialId: 'no-such-profile' }] }, status: 404, errorPath: 'body.1.credentialId' },

    { name: 'patch: empty body', op: 'update-host', request: () => ({ pathParameters: { hostId }, body: {} }), status: 400, errorPath: 'body' },
    { name: 'patch: both credential and credentialId', op: 'update-host', request: () => ({ pathParameters: { hostId }, body: { credential: inline, credentialId: profileId } }), status: 400, errorPath: 'body.credentialId' },
    { name: 'patch: port 0', op: 'update-host', request: () => ({ pathParameters: { hostId }, body: { port: 0 } }), status: 400, errorPath: 'body.port' },
    { name: 'patch: empty address', op: 'update-host', request: () => ({ pathParameters: { hostId }, body: { address: '' } }), status: 400, errorPath: 'body.address' },
    { name: 'patch: resetHostKey not a boolean', op: 'update-host', request: () => ({ pathParameters: { hostId }, body: { resetHostKey: 'yes' } }), status: 400, errorPath: 'body.resetHostKey' },
    { name: 'patch: source is not patchable', op: 'update-host', request: () => ({ pathParameters: { hostId }, body: { source: 'scan' } }), status: 400, errorPath: 'body' },
    { name: 'patch: privateKey garbage', op: 'update-host', request: () => ({ pathParameters: { hostId }, body: { credential: { username: 'u', privateKey: keyBody } } }), status: 400, errorPath: 'body.credential.privateKey' },
    { name: 'patch: unknown host', op: 'update-host', request: { pathParameters: { hostId: 'no-such-host' }, body: { name: 'x' } }, status: 404 },
    { name: 'patch: unknown credentialId', op: 'update-host', request: () => ({ pathParameters: { hostId }, body: { credentialId: 'no-such-profile' } }), status: 404, errorPath: 'body.credentialId' },
    { name: 'delete: unknown host', op: 'delete-host', request: { pathParameters: { hostId: 'no-such-host' } }, status: 404 },

    { name: 'credential: missing name', op: 'create-credential', request: { body: { username: 'u', password } }, status: 400, errorPath: 'body.name' },
    { name: 'credential: neither password nor key', op: 'create-credential', request: { body: { name: 'n', username: 'u' } }, status: 400, errorPath: 'body.password' },
    { name: 'credential: privateKey garbage', op: 'create-credential', request: { body: { name: 'n', username: 'u', privateKey: `-----BEGIN PRIVATE KEY-----\n${password}` } }, status: 400, errorPath: 'body.privateKey' },
    { name: 'credential: public key instead of a private key', op: 'create-credential', request: { body: { name: 'n', username: 'u', privateKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA user@host' } }, status: 400, errorPath: 'body.privateKey' },
    { name: 'credential: password not a string', op: 'create-credential', request: { body: { name: 'n', username: 'u', password: 12345 } }, status: 400, errorPath: 'body.password' },
    { name: 'credential: unknown field', op: 'create-credential', request: { body: { name: 'n', username: 'u', password, secret: passphrase } }, status: 400, errorPath: 'body' },
    { name: 'credential: delete unknown', op: 'delete-credential', request: { pathParameters: { credentialId: 'no-such-profile' } }, status: 404 },
    { name: 'credentials: bad cursor', op: 'list-credentials', request: { query: { cursor: 'bm90LWEta2V5' } }, status: 400, errorPath: 'query.cursor' },
    { name: 'credentials: limit 0', op: 'list-credentials', request: { query: { limit: '0' } }, status: 400, errorPath: 'query.limit' },
  ];

  for (const c of cases) {
    test(`${c.op}: ${c.name} -> ${c.status}`, async () => {
      const hostsBefore = await allHosts();
      const profilesBefore = (await stores.credentials().list({ limit: 1000 })).items.length;
      const filesBefore = (await secretFiles()).sort();
      const res = await call(api, c.op, typeof c.request === 'function' ? c.request() : c.request);
      assertProblem(res, c.status, c.errorPath);
      assert.deepEqual(await allHosts(), hostsBefore, 'hosts unchanged');
      assert.equal((await stores.credentials().list({ limit: 1000 })).items.length, profilesBefore, 'profiles unchanged');
      assert.deepEqual((await secretFiles()).sort(), filesBefore, 'no secret written or deleted');
    });
  }
});

describe('OpenAPI', () => {
  test('documents the host and credential operations', async () => {
    const res = await call(api, 'get-openapi');
    const doc = res.json;
    const importOp = doc.paths['/api/hosts/import'].post;
    assert.ok(importOp.responses['200'] && importOp.responses['413'] && importOp.responses['404']);
    const request = doc.components.schemas[importOp.requestBody.content['application/json'].schema.$ref.split('/').pop()];
    assert.equal(request.type, 'array');
    assert.equal(request.maxItems, 10_000);
    assert.ok(doc.paths['/api/hosts'].post.responses['409']);
    assert.ok(doc.paths['/api/hosts/{hostId}'].patch.requestBody);
    assert.ok(doc.paths['/api/hosts/{hostId}'].delete.responses['204']);
    assert.ok(doc.paths['/api/credentials'].get && doc.paths['/api/credentials'].post);
    assert.ok(doc.paths['/api/credentials/{credentialId}'].delete.responses['409']);
    for (const name of ['CreateCredentialResponse', 'ListCredentialsResponse', 'CreateHostResponse', 'ImportHostsResponse', 'UpdateHostResponse']) {
      assert.ok(doc.components.schemas[name], name);
      assert.doesNotMatch(JSON.stringify(doc.components.schemas[name]), /"(password|privateKey|passphrase)"\s*:/, `${name} names no credential field`);
    }
  });
});
