/**
 * The whole product on one machine: DynamoDB Local, fauxqs, the Step Functions
 * endpoint running the ASL the CDK app synthesizes, the HTTP adapter in front
 * of the API handlers, the schedule timer and the queue poller. Every handler
 * is the same module that Lambda runs; only the AWS endpoints differ.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { allFunctions, apiFunctions, type FunctionSpec } from '#functions/catalog.ts';
import { allTables } from '#shared/store/tables.ts';
import { synthesizeLocalWorkflows } from '#infra/local-definitions.ts';
import { createTables, localCredentials, localTableNames, startDynamoDbLocal } from './dynamodb-local.ts';
import { createLambdaContext } from './lambda-context.ts';
import { loadOrCreateApiToken, startHttpAdapter } from './http-adapter.ts';
import { localSqsClientConfig, pollQueue, startLocalSqs } from './sqs.ts';
import { bindLambdaInvokeHandlers, startStepFunctionsEndpoint, type ExecutionStatusChangeEvent } from './stepfunctions-endpoint.ts';

const projectRoot = resolve(import.meta.dirname, '..');
const region = 'us-east-1';
const syncRequestsQueue = 'inventory-sync-requests';

export interface LocalStackOptions {
  /** Tables, secrets and the API token live here. */
  dataDir: string;
  /** HTTP port; 0 picks a free one. */
  port?: number;
  /** Keep tables on disk in dataDir (default); false keeps them in memory, for tests. */
  persist?: boolean;
  /** How often the schedule dispatcher runs; false turns the timer off. */
  scheduleEveryMs?: number | false;
  /** Extra environment for the handlers, e.g. SYNC_BATCH_SIZE. */
  env?: Record<string, string>;
}

export interface LocalStack {
  apiUrl: string;
  token: string;
  tokenCreated: boolean;
  dynamoDbEndpoint: string;
  /** The DynamoDB Local JVM, for memory figures. */
  dynamoDbPid: number;
  stop(): Promise<void>;
  /** Resolves when no workflow execution is running. */
  whenIdle(): Promise<void>;
  /** Runs the schedule dispatcher once, as the EventBridge schedule would. */
  runScheduleNow(): Promise<void>;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => console.error('stop failed:', error));
  };
  try {
    const { token, created: tokenCreated } = await loadOrCreateApiToken(dataDir);

    const dynamo = await startDynamoDbLocal(options.persist === false ? {} : { dataDir: join(dataDir, 'dynamodb') });
    stops.push(() => dynamo.stop());
    const tableNames = localTableNames();
    const admin = new DynamoDBClient({ region, endpoint: dynamo.endpoint, credentials: localCredentials });
    await createTables(admin, allTables, tableNames);
    admin.destroy();

    const sqs = await startLocalSqs();
    stops.push(() => sqs.stop());
    const queueUrl = await sqs.createQueue(syncRequestsQueue);

    const workflows = await synthesizeLocalWorkflows();
    const platformSync = workflows.find((workflow) => workflow.name === 'platform-sync');
    const collectHosts = workflows.find((workflow) => workflow.name === 'collect-hosts');
    if (!platformSync || !collectHosts) throw new Error('the CDK app must synthesize the platform-sync and collect-hosts state machines');

    // The handlers build their SDK clients when first imported: the environment
    // must be complete before the first handler loads (they load lazily, below).
    Object.assign(process.env, {
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      SECRET_STORE: 'file',
      INVENTORY_DATA_DIR: dataDir,
      SYNC_STATE_MACHINE_ARN: platformSync.stateMachineArn,
      COLLECT_STATE_MACHINE_ARN: collectHosts.stateMachineArn,
      SYNC_REQUESTS_QUEUE_URL: queueUrl,
      ...Object.fromEntries(allTables.map((spec) => [spec.envVar, tableNames[spec.id]])),
      // Every "Lambda" shares this machine's cores with DynamoDB Local and the
      // simulators here: fewer batches at once finish sooner, so progress moves sooner.
      SYNC_MAX_CONCURRENCY: '6',
      ...options.env,
    });

    const onExecutionEnded = async (event: ExecutionStatusChangeEvent) => {
      await invoke('reconcile-execution', event);
    };
    const stepFunctions = await startStepFunctionsEndpoint({
      workflows: workflows.map((workflow) => ({
        stateMachineArn: workflow.stateMachineArn,
        definition: workflow.definition,
        taskHandlers: bindLambdaInvokeHandlers(workflow.definition, workflow.functionIdByArn, loadHandler, timeouts()),
      })),
      onExecutionEnded,
    });
    stops.push(() => stepFunctions.stop());
    process.env['AWS_ENDPOINT_URL_SFN'] = stepFunctions.endpoint;

    const routes = apiFunctions.map((spec) => ({
      method: spec.route!.method,
      path: spec.route!.path,
      public: spec.route!.public ?? false,
      handler: async (event: unknown, context: Context) => (await loadHandler(spec.id))(event, context),
    }));
    const http = await startHttpAdapter({ port: options.port ?? 3000, routes: routes as never, token });
    stops.push(() => http.stop());

    const polling = new AbortController();
    const queueClient = new SQSClient({ ...localSqsClientConfig, endpoint: sqs.endpoint });
    const poller = pollQueue(queueUrl, async (records) => (await invoke('start-queued-sync', { Records: records })) as never, {
      client: queueClient,
      signal: polling.signal,
    }).catch((error: unknown) => console.error('queue poller stopped:', error));
    stops.push(async () => {
      polling.abort();
      await poller;
      queueClient.destroy();
    });

    const runScheduleNow = async () => {
      await invoke('dispatch-scheduled-syncs', scheduledEvent());
    };
    if (options.scheduleEveryMs !== false) {
      const timer = setInterval(() => void runScheduleNow().catch((error: unknown) => console.error('schedule dispatch failed:', error)), options.scheduleEveryMs ?? 60_000);
      timer.unref();
      stops.push(async () => clearInterval(timer));
    }

    return {
      apiUrl: `${http.url}/api`,
      token,
      tokenCreated,
      dynamoDbEndpoint: dynamo.endpoint,
      dynamoDbPid: dynamo.pid,
      stop: stopAll,
      whenIdle: () => stepFunctions.whenIdle(),
      runScheduleNow,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

const handlers = new Map<string, Promise<Handler>>();

/** Imports a catalog function's module on first use, as a Lambda cold start would. */
function loadHandler(functionId: string): Promise<Handler> {
  let handler = handlers.get(functionId);
  if (!handler) {
    handler = importHandler(specOf(functionId));
    handlers.set(functionId, handler);
  }
  return handler;
}

async function importHandler(spec: FunctionSpec): Promise<Handler> {
  const module = (await import(pathToFileURL(join(projectRoot, spec.entry)).href)) as { handler?: Handler };
  if (typeof module.handler !== 'function') throw new Error(`${spec.entry} exports no handler`);
  return module.handler;
}

async function invoke(functionId: string, event: unknown): Promise<unknown> {
  const spec = specOf(functionId);
  return (await loadHandler(functionId))(event, createLambdaContext(functionId, (spec.timeoutSeconds ?? 30) * 1000));
}

function specOf(functionId: string): FunctionSpec {
  const spec = allFunctions.find((candidate) => candidate.id === functionId);
  if (!spec) throw new Error(`no function ${functionId} in functions/catalog.ts`);
  return spec;
}

function timeouts(): Record<string, number> {
  return Object.fromEntries(allFunctions.map((spec) => [spec.id, spec.timeoutSeconds ?? 30]));
}

function scheduledEvent() {
  const now = new Date().toISOString();
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: now,
    region,
    resources: [],
    detail: {},
  };
}
