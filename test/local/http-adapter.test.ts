import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { loadOrCreateApiToken, startHttpAdapter } from '#local/http-adapter.ts';
import type { HttpAdapter } from '#local/http-adapter.ts';

const token = 'test-token-0123456789';

describe('HTTP adapter', () => {
  let adapter: HttpAdapter;
  const seen: APIGatewayProxyEventV2[] = [];

  before(async () => {
    adapter = await startHttpAdapter({
      port: 0,
      token,
      bodyLimitBytes: 1024,
      routes: [
        { method: 'GET', path: '/api/health', public: true, handler: async () => ({ statusCode: 200, body: JSON.stringify({ status: 'ok' }) }) },
        {
          method: 'POST',
          path: '/api/virtualization/{platformId}/sync',
          handler: async (event) => {
            seen.push(event);
            return {
              statusCode: 202,
              headers: { 'content-type': 'application/json', 'x-extra': 'yes' },
              cookies: ['a=1; Path=/', 'b=2; Path=/'],
              body: JSON.stringify({ taskId: 'task-1' }),
            };
          },
        },
        { method: 'GET', path: '/api/hosts/{hostId}', handler: async (event) => ({ statusCode: 200, body: JSON.stringify({ route: 'by-id', id: event.pathParameters?.hostId }) }) },
        { method: 'POST', path: '/api/hosts/batch/collect', handler: async () => ({ statusCode: 202, body: JSON.stringify({ route: 'collect' }) }) },
        { method: 'GET', path: '/api/plain', handler: async () => ({ plain: true }) },
        {
          method: 'GET',
          path: '/api/boom',
          handler: async () => {
            throw new Error('secret internals at /work/main/shared/thing.ts');
          },
        },
      ],
    });
  });
  after(() => adapter.stop());

  const authorized = { authorization: `Bearer ${token}` };

  it('turns a request into a payload format 2.0 event and writes the result back', async () => {
    const response = await fetch(`${adapter.url}/api/virtualization/vc%201/sync?dryRun=true&tag=a&tag=b`, {
      method: 'POST',
      headers: { ...authorized, 'content-type': 'application/json', 'X-Custom-Header': 'Value', cookie: 'session=abc; theme=dark', 'user-agent': 'test-agent' },
      body: JSON.stringify({ full: true }),
    });
    assert.equal(response.status, 202);
    assert.deepEqual(await response.json(), { taskId: 'task-1' });
    assert.equal(response.headers.get('x-extra'), 'yes');
    assert.deepEqual(response.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/']);

    const event = seen.at(-1);
    assert.ok(event);
    assert.equal(event.version, '2.0');
    assert.equal(event.routeKey, 'POST /api/virtualization/{platformId}/sync');
    assert.equal(event.rawPath, '/api/virtualization/vc%201/sync');
    assert.equal(event.rawQueryString, 'dryRun=true&tag=a&tag=b');
    assert.deepEqual(event.queryStringParameters, { dryRun: 'true', tag: 'a,b' });
    assert.deepEqual(event.pathParameters, { platformId: 'vc 1' });
    assert.equal(event.headers['x-custom-header'], 'Value');
    assert.equal(event.headers['content-type'], 'application/json');
    assert.equal(event.headers.cookie, undefined);
    assert.deepEqual(event.cookies, ['session=abc', 'theme=dark']);
    assert.equal(event.requestContext.http.method, 'POST');
    assert.equal(event.requestContext.http.path, '/api/virtualization/vc%201/sync');
    assert.equal(event.requestContext.http.userAgent, 'test-agent');
    assert.match(event.requestContext.http.sourceIp, /127\.0\.0\.1/);
    assert.ok(event.requestContext.requestId);
    assert.ok(Math.abs(event.requestContext.timeEpoch - Date.now()) < 5000);
    assert.match(event.requestContext.time, /^\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    assert.equal(event.body, '{"full":true}');
    assert.equal(event.isBase64Encoded, false);
  });

  it('prefers a literal segment over a path parameter, as API Gateway does', async () => {
    const collect = await fetch(`${adapter.url}/api/hosts/batch/collect`, { method: 'POST', headers: authorized, body: '{}' });
    assert.deepEqual(await collect.json(), { route: 'collect' });
    const byId = await fetch(`${adapter.url}/api/hosts/host-7`, { headers: authorized });
    assert.deepEqual(await byId.json(), { route: 'by-id', id: 'host-7' });
  });

  it('answers 401 problem+json without a token or with a wrong one', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: token }, { authorization: `Bearer ${token}x` }]) {
      const response = await fetch(`${adapter.url}/api/hosts/host-7`, { headers });
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('content-type'), 'application/problem+json');
      const problem = (await response.json()) as Record<string, unknown>;
      assert.equal(problem.status, 401);
      assert.equal(typeof problem.title, 'string');
      assert.equal(typeof problem.type, 'string');
      assert.equal(typeof problem.detail, 'string');
    }
  });

  it('serves a public route without a token', async () => {
    const response = await fetch(`${adapter.url}/api/health`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  it('answers 404 for an unknown path and 405 for a known path with another method', async () => {
    const missing = await fetch(`${adapter.url}/api/nothing/here`, { headers: authorized });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-type'), 'application/problem+json');
    const wrongMethod = await fetch(`${adapter.url}/api/health`, { method: 'DELETE' });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'GET');
    assert.equal(((await wrongMethod.json()) as { status: number }).status, 405);
  });

  it('answers 413 for a body over the limit, declared or streamed, without reading it all', async () => {
    const declared = await rawPost('/api/virtualization/p1/sync', { 'content-length': String(10 * 1024 * 1024) }, Buffer.alloc(100));
    assert.equal(declared.status, 413);
    assert.equal(declared.contentType, 'application/problem+json');
    assert.equal(JSON.parse(declared.body).status, 413);

    const streamed = await rawPost('/api/virtualization/p1/sync', { 'transfer-encoding': 'chunked' }, Buffer.alloc(4096, 'x'));
    assert.equal(streamed.status, 413);
  });

  it('answers 500 problem+json without the error or its stack when a handler throws', async () => {
    const response = await fetch(`${adapter.url}/api/boom`, { headers: authorized });
    assert.equal(response.status, 500);
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
    const text = await response.text();
    assert.doesNotMatch(text, /secret internals|\.ts|at /);
    assert.equal(JSON.parse(text).status, 500);
  });

  it('turns a result without statusCode into a 200 JSON body', async () => {
    const response = await fetch(`${adapter.url}/api/plain`, { headers: authorized });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { plain: true });
  });

  /** node:http rather than fetch: fetch cannot declare a Content-Length it does not send. */
  function rawPost(path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; contentType: string; body: string }> {
    return new Promise((resolve, reject) => {
      const outgoing = request(`${adapter.url}${path}`, { method: 'POST', headers: { ...authorized, ...headers } }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type']), body: text }));
      });
      // The server may close the connection before we finish writing; the response still counts.
      outgoing.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' || (error as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : reject(error)));
      outgoing.write(body);
      if (!headers['content-length']) outgoing.end();
    });
  }
});

describe('loadOrCreateApiToken', () => {
  let dataDir: string;
  const saved = process.env.INVENTORY_API_TOKEN;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'api-token-test-'));
    delete process.env.INVENTORY_API_TOKEN;
  });
  after(async () => {
    if (saved === undefined) delete process.env.INVENTORY_API_TOKEN;
    else process.env.INVENTORY_API_TOKEN = saved;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates a random token once, owner-readable only, and reuses it', async () => {
    const dir = join(dataDir, 'fresh');
    const first = await loadOrCreateApiToken(dir);
    assert.equal(first.created, true);
    assert.match(first.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal((await stat(join(dir, 'api-token'))).mode & 0o777, 0o600);
    assert.equal((await readFile(join(dir, 'api-token'), 'utf8')).trim(), first.token);
    const second = await loadOrCreateApiToken(dir);
    assert.deepEqual(second, { token: first.token, created: false });
  });

  it('prefers INVENTORY_API_TOKEN, then an existing file', async () => {
    const dir = join(dataDir, 'existing');
    await loadOrCreateApiToken(dir);
    await writeFile(join(dir, 'api-token'), 'from-file\n');
    assert.deepEqual(await loadOrCreateApiToken(dir), { token: 'from-file', created: false });
    process.env.INVENTORY_API_TOKEN = 'from-env';
    try {
      assert.deepEqual(await loadOrCreateApiToken(dir), { token: 'from-env', created: false });
    } finally {
      delete process.env.INVENTORY_API_TOKEN;
    }
  });
});
