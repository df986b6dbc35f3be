/**
 * The local stand-in for API Gateway (HTTP API): a `node:http` server that turns requests
 * into payload format 2.0 events for the same Lambda handlers AWS runs, and their results
 * back into responses. It also does what the gateway does around them: route matching,
 * the bearer token check that replaces IAM auth locally, and the request size limit.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createLambdaContext } from '#local/lambda-context.ts';

/**
 * Usually returns an APIGatewayProxyStructuredResultV2; like API Gateway, any other value
 * becomes a 200 JSON body.
 */
export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

export interface HttpRoute {
  method: string;
  /** API Gateway style: /api/hosts/{hostId}; a last segment {name+} takes the rest of the path. */
  path: string;
  /** Reachable without the bearer token. */
  public?: boolean;
  handler: HttpHandler;
  /** Used as the Lambda context's function name; defaults to the route key. */
  functionName?: string;
}

export interface HttpAdapterOptions {
  port: number;
  host?: string;
  routes: HttpRoute[];
  token: string;
  /** API Gateway's own payload limit is 10 MiB. */
  bodyLimitBytes?: number;
}

export interface HttpAdapter {
  /** Base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  stop(): Promise<void>;
}

interface CompiledRoute extends HttpRoute {
  routeKey: string;
  segments: string[];
}

export async function startHttpAdapter(options: HttpAdapterOptions): Promise<HttpAdapter> {
  const routes = options.routes.map(compileRoute);
  const bodyLimitBytes = options.bodyLimitBytes ?? 10 * 1024 * 1024;
  const expectedTokenDigest = digest(options.token);

  const server = createServer((request, response) => {
    void serve(request, response).catch((error: unknown) => {
      console.error('http adapter: failed to answer a request:', error);
      if (!response.headersSent) sendProblem(response, 500, 'Internal Server Error', 'The request could not be completed.');
      else response.destroy();
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    response.setHeader('apigw-requestid', requestId);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = (request.method ?? 'GET').toUpperCase();

    const pathMatches = matchingRoutes(routes, url.pathname);
    if (pathMatches.length === 0) return sendProblem(response, 404, 'Not Found', `No route for ${url.pathname}.`);
    const match = pathMatches.find(({ route }) => route.method === method || route.method === 'ANY');
    if (!match) {
      response.setHeader('allow', [...new Set(pathMatches.map(({ route }) => route.method))].join(', '));
      return sendProblem(response, 405, 'Method Not Allowed', `${method} is not allowed on ${url.pathname}.`);
    }

    if (!match.route.public && !hasValidToken(request.headers.authorization, expectedTokenDigest)) {
      response.setHeader('www-authenticate', 'Bearer');
      return sendProblem(response, 401, 'Unauthorized', 'A valid bearer token is required.');
    }

    const body = await readBodyWithin(request, bodyLimitBytes);
    if (body === undefined) {
      // Stop reading: close the connection once the answer is out instead of draining the rest.
      response.setHeader('connection', 'close');
      response.once('finish', () => request.destroy());
      return sendProblem(response, 413, 'Content Too Large', `The request body exceeds ${bodyLimitBytes} bytes.`);
    }

    const event = toEvent(request, url, method, match.route, match.pathParameters, body, requestId);
    let result: unknown;
    try {
      result = await match.route.handler(event, createLambdaContext(match.route.functionName ?? match.route.routeKey));
    } catch (error) {
      // The stack goes to the log, never to the client.
      console.error(`http adapter: handler for ${match.route.routeKey} failed (request ${requestId}):`, error);
      return sendProblem(response, 500, 'Internal Server Error', `The request could not be completed (request id ${requestId}).`);
    }
    writeResult(response, result);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function compileRoute(route: HttpRoute): CompiledRoute {
  const method = route.method.toUpperCase();
  return { ...route, method, routeKey: `${method} ${route.path}`, segments: route.path.split('/').filter(Boolean) };
}

/** Routes whose path matches, most specific first: a literal segment beats a parameter, as in API Gateway. */
function matchingRoutes(routes: CompiledRoute[], pathname: string): Array<{ route: CompiledRoute; pathParameters: Record<string, string>; rank: string }> {
  const parts = pathname.split('/').filter(Boolean);
  const matches: Array<{ route: CompiledRoute; pathParameters: Record<string, string>; rank: string }> = [];
  for (const route of routes) {
    const pathParameters: Record<string, string> = {};
    let rank = '';
    let matched = true;
    for (let index = 0; index < route.segments.length; index++) {
      const segment = route.segments[index] ?? '';
      const part = parts[index];
      const greedy = /^\{(.+)\+\}$/.exec(segment);
      if (greedy?.[1] && index === route.segments.length - 1 && part !== undefined) {
        pathParameters[greedy[1]] = parts.slice(index).map(safeDecode).join('/');
        rank += '0';
        break;
      }
      if (part === undefined) {
        matched = false;
        break;
      }
      const parameter = /^\{(.+)\}$/.exec(segment);
      if (parameter?.[1]) {
        pathParameters[parameter[1]] = safeDecode(part);
        rank += '1';
      } else if (segment === part) {
        rank += '2';
      } else {
        matched = false;
        break;
      }
    }
    const consumedAll = route.segments.at(-1)?.endsWith('+}') || route.segments.length === parts.length;
    if (matched && consumedAll) matches.push({ route, pathParameters, rank });
  }
  return matches.sort((a, b) => b.rank.localeCompare(a.rank));
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Compares digests of equal length, so neither the token's content nor its length leaks through timing. */
function hasValidToken(authorization: string | undefined, expectedDigest: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  const presented = digest(match?.[1] ?? '');
  return timingSafeEqual(presented, expectedDigest) && match !== null;
}

/** The body as text, or undefined when it is larger than the limit (the rest is left unread). */
async function readBodyWithin(request: IncomingMessage, limit: number): Promise<string | undefined> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function toEvent(
  request: IncomingMessage,
  url: URL,
  method: string,
  route: CompiledRoute,
  pathParameters: Record<string, string>,
  body: string,
  requestId: string,
): APIGatewayProxyEventV2 {
  // Payload 2.0: lower-case names, repeated headers joined by commas, cookies in their own field.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name === 'cookie' || value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const cookies = request.headers.cookie?.split(/;\s*/).filter(Boolean);
  const queryStringParameters: Record<string, string> = {};
  for (const key of new Set(url.searchParams.keys())) queryStringParameters[key] = url.searchParams.getAll(key).join(',');
  const now = new Date();
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies && cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(queryStringParameters).length > 0 ? { queryStringParameters } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body } : {}),
    isBase64Encoded: false,
  };
}

/** The requestContext.time format: 12/Mar/2020:19:03:58 +0000 */
function apiGatewayTime(date: Date): string {
  const [, day, month, year, time] = /^\w+, (\d+) (\w+) (\d+) (\S+)/.exec(date.toUTCString()) ?? [];
  return `${day}/${month}/${year}:${time} +0000`;
}

function writeResult(response: ServerResponse, result: unknown): void {
  // Like API Gateway: a result without statusCode is a 200 JSON body.
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    const text = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(text);
    return;
  }
  const structured = result as APIGatewayProxyStructuredResultV2;
  for (const [name, value] of Object.entries(structured.headers ?? {})) response.setHeader(name, String(value));
  if (structured.cookies && structured.cookies.length > 0) response.setHeader('set-cookie', structured.cookies);
  const body = structured.body === undefined ? undefined : Buffer.from(structured.body, structured.isBase64Encoded ? 'base64' : 'utf8');
  response.writeHead(structured.statusCode ?? 200);
  response.end(body);
}

function sendProblem(response: ServerResponse, status: number, title: string, detail: string): void {
  const text = JSON.stringify({ type: 'about:blank', title, status, detail });
  response.writeHead(status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/**
 * The local API token: INVENTORY_API_TOKEN when set, else `<dataDir>/api-token`, else a
 * new random one written there readable by the owner only. `created` tells the caller to
 * print it, which happens once.
 */
export async function loadOrCreateApiToken(dataDir: string): Promise<{ token: string; created: boolean }> {
  const fromEnvironment = process.env.INVENTORY_API_TOKEN?.trim();
  if (fromEnvironment) return { token: fromEnvironment, created: false };

  const path = join(dataDir, 'api-token');
  const existing = await readToken(path);
  if (existing) return { token: existing, created: false };

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  try {
    // 'wx': never overwrite a token another process wrote in the meantime.
    await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return { token, created: true };
  } catch (error) {
    const raced = (error as NodeJS.ErrnoException).code === 'EEXIST' ? await readToken(path) : undefined;
    if (raced) return { token: raced, created: false };
    throw error;
  }
}

async function readToken(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
