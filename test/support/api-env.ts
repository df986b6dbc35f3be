/**
 * Runs API handlers in-process against a real DynamoDB Local: starts the
 * emulator, creates the tables from the same specs CDK deploys, and points the
 * environment at them BEFORE any handler is imported (clients and stores are
 * built from the environment at import / first use).
 *
 *   const env = await startApiEnv();
 *   const createPlatform = await import('#functions/api/create-platform.ts');
 *   const res = await invoke(createPlatform, { method: 'POST', path: '/api/virtualization', body: {...} });
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createTables, localCredentials, startDynamoDbLocal } from '#local/dynamodb-local.ts';
import { allTables, type TableSpec } from '#shared/store/tables.ts';

export interface ApiEnv {
  endpoint: string;
  dataDir: string;
  tableNames: Record<TableSpec['id'], string>;
  stop(): Promise<void>;
}

export async function startApiEnv(): Promise<ApiEnv> {
  const dataDir = await mkdtemp(join(tmpdir(), 'inventory-api-test-'));
  const dynamo = await startDynamoDbLocal();
  const tableNames = Object.fromEntries(allTables.map((spec) => [spec.id, `t-${spec.id}`])) as Record<TableSpec['id'], string>;
  const admin = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: localCredentials });
  try {
    await createTables(admin, allTables, tableNames);
  } catch (error) {
    await dynamo.stop();
    throw error;
  } finally {
    admin.destroy();
  }

  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    SECRET_STORE: 'file',
    // start-platform-sync reads it before its transaction; tests only reach its 404 path.
    SYNC_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:test-sync',
    INVENTORY_DATA_DIR: dataDir,
    POWERTOOLS_LOG_LEVEL: process.env['POWERTOOLS_LOG_LEVEL'] ?? 'SILENT',
    ...Object.fromEntries(allTables.map((spec) => [spec.envVar, tableNames[spec.id]])),
  });

  return {
    endpoint: dynamo.endpoint,
    dataDir,
    tableNames,
    stop: async () => {
      await dynamo.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface InvokeRequest {
  method: string;
  path: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  /** A string is sent as is; anything else is JSON-encoded. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface InvokeResponse {
  statusCode: number;
  headers: Record<string, string>;
  /** Raw body text ('' when none). */
  text: string;
  /** Parsed JSON body, undefined when none. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export function buildEvent(request: InvokeRequest): APIGatewayProxyEventV2 {
  const now = new Date();
  const headers: Record<string, string> = {
    host: 'api.test',
    'user-agent': 'api-test',
    ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
  };
  const query = request.query && Object.keys(request.query).length > 0 ? request.query : undefined;
  const routeKey = `${request.method} ${request.path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: request.path,
    rawQueryString: query ? new URLSearchParams(query).toString() : '',
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    ...(request.pathParameters ? { pathParameters: request.pathParameters } : {}),
    ...(request.body !== undefined ? { body: typeof request.body === 'string' ? request.body : JSON.stringify(request.body) } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'test',
      domainName: 'api.test',
      domainPrefix: 'api',
      http: { method: request.method, path: request.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'api-test' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
}

export function fakeContext(name = 'test-function'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export async function invoke(module: { handler: unknown }, request: InvokeRequest): Promise<InvokeResponse> {
  const result = await (module.handler as Handler)(buildEvent(request), fakeContext());
  const text = result.body ?? '';
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  let json: unknown;
  if (text !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { statusCode: result.statusCode ?? 200, headers, text, json };
}

export type ApiModules = Record<string, { handler: unknown }>;

/** Imports every API handler of the catalog; call only after startApiEnv(). */
export async function loadApi(): Promise<ApiModules> {
  const { apiFunctions } = await import('#functions/catalog.ts');
  const entries = await Promise.all(
    apiFunctions.map(async (fn) => [fn.id, (await import(`#functions/api/${fn.id}.ts`)) as { handler: unknown }] as const),
  );
  return Object.fromEntries(entries);
}

/**
 * Calls the catalog operation `id` the way API Gateway would: method and route
 * from the catalog, path parameters substituted into the path.
 */
export async function call(
  api: ApiModules,
  id: string,
  request: Omit<InvokeRequest, 'method' | 'path'> = {},
): Promise<InvokeResponse> {
  const { apiFunctions } = await import('#functions/catalog.ts');
  const route = apiFunctions.find((fn) => fn.id === id)?.route;
  const module = api[id];
  if (!route || !module) throw new Error(`no API operation ${id}`);
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(request.pathParameters?.[name] ?? `{${name}}`));
  return invoke(module, { ...request, method: route.method, path });
}
