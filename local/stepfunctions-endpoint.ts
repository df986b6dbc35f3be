/**
 * A local Step Functions endpoint: a `node:http` server that speaks the service's
 * JSON 1.0 protocol for the calls the app makes (StartExecution, DescribeExecution,
 * StopExecution, ListExecutions), so `@aws-sdk/client-sfn` works unchanged with only
 * its `endpoint` set. Executions run the deployed ASL on aws-local-stepfunctions, with
 * each Task state bound to an in-process handler instead of a Lambda in AWS.
 *
 * Executions live in memory: a restart forgets them, as a fresh AWS account would.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import type { RunOptions, StateMachineDefinition } from 'aws-local-stepfunctions';
import type { Context as LambdaContext } from 'aws-lambda';
import { createLambdaContext } from '#local/lambda-context.ts';

export type TaskHandler = (input: unknown) => Promise<unknown>;
/** An ASL document; validated by aws-local-stepfunctions when the endpoint starts. */
export type AslDefinition = StateMachineDefinition | Record<string, unknown> | string;
/** aws-local-stepfunctions types handlers over JSON values; ours take and return plain JSON too. */
type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

export interface LocalWorkflow {
  stateMachineArn: string;
  /** The ASL, as an object or the JSON string CDK synthesizes (tokens already resolved). */
  definition: AslDefinition;
  /** By Task state name; every Task state needs one, so nothing ever calls AWS. */
  taskHandlers: Record<string, TaskHandler>;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** The detail of the EventBridge event "Step Functions Execution Status Change". */
export interface ExecutionStatusChangeDetail {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  /** Epoch milliseconds, as EventBridge sends them. */
  startDate: number;
  stopDate: number | null;
  /** JSON strings, as EventBridge sends them. */
  input: string;
  output: string | null;
  error: string | null;
  cause: string | null;
}

export interface ExecutionStatusChangeEvent {
  version: '0';
  id: string;
  'detail-type': 'Step Functions Execution Status Change';
  source: 'aws.states';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: ExecutionStatusChangeDetail;
}

export interface StepFunctionsEndpointOptions {
  workflows: LocalWorkflow[];
  /** Called once for every execution that ends, whatever the end status (the EventBridge rule in AWS). */
  onExecutionEnded?: (event: ExecutionStatusChangeEvent) => Promise<void>;
  port?: number;
}

export interface StepFunctionsEndpoint {
  endpoint: string;
  stop(): Promise<void>;
  /** Resolves once no execution runs and every onExecutionEnded call has settled. */
  whenIdle(): Promise<void>;
}

/** Step Functions' limit on execution input and on any state's output. */
const PAYLOAD_LIMIT_BYTES = 256 * 1024;
const REQUEST_LIMIT_BYTES = 1024 * 1024;

interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  abort?: () => void;
}

class ServiceError extends Error {
  readonly type: string;
  constructor(type: string, message: string) {
    super(message);
    this.type = type;
  }
}

export async function startStepFunctionsEndpoint(options: StepFunctionsEndpointOptions): Promise<StepFunctionsEndpoint> {
  const machines = new Map<string, { machine: StateMachine; taskHandlers: Record<string, TaskHandler> }>();
  for (const workflow of options.workflows) {
    const definition = parseDefinition(workflow.definition);
    const unbound = taskStateNames(definition).filter((name) => !workflow.taskHandlers[name]);
    // Without a local handler, aws-local-stepfunctions would invoke the real Lambda in AWS.
    if (unbound.length > 0) throw new Error(`${workflow.stateMachineArn}: no local handler for Task state(s) ${unbound.join(', ')}`);
    machines.set(workflow.stateMachineArn, { machine: new StateMachine(definition), taskHandlers: limitTaskOutputs(workflow.taskHandlers) });
  }

  const executions = new Map<string, Execution>();
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  const endExecution = async (execution: Execution, end: Pick<Execution, 'status' | 'output' | 'error' | 'cause'>) => {
    if (execution.status !== 'RUNNING') return;
    Object.assign(execution, end, { stopDate: Date.now(), abort: undefined });
    if (!options.onExecutionEnded) return;
    try {
      await options.onExecutionEnded(statusChangeEvent(execution));
    } catch (error) {
      // EventBridge would retry and then drop; locally a log line is the useful outcome.
      console.error(`onExecutionEnded failed for ${execution.executionArn}:`, error);
    }
  };

  const runExecution = async (execution: Execution) => {
    const entry = machines.get(execution.stateMachineArn);
    if (!entry) return;
    const startTime = new Date(execution.startDate).toISOString();
    const run = entry.machine.run(JSON.parse(execution.input), {
      overrides: { taskResourceLocalHandlers: entry.taskHandlers as LocalHandlers },
      noThrowOnAbort: true,
      // The Context Object AWS offers as `$$`, so definitions may use $$.Execution.Name.
      context: {
        Execution: { Id: execution.executionArn, Name: execution.name, StartTime: startTime },
        StateMachine: { Id: execution.stateMachineArn, Name: resourceName(execution.stateMachineArn) },
      },
    });
    execution.abort = run.abort;
    try {
      const output = await run.result;
      await endExecution(execution, { status: 'SUCCEEDED', output: JSON.stringify(output ?? null) });
    } catch (error) {
      await endExecution(execution, failureOf(error));
    }
  };

  const operations: Record<string, (request: Record<string, unknown>) => Promise<unknown> | unknown> = {
    StartExecution: (request) => {
      const stateMachineArn = requireString(request, 'stateMachineArn');
      if (!machines.has(stateMachineArn)) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
      const name = optionalString(request, 'name') ?? randomUUID();
      if (!isValidExecutionName(name)) throw new ServiceError('InvalidName', `Invalid Name: '${name}'`);
      const input = optionalString(request, 'input') ?? '{}';
      if (Buffer.byteLength(input) > PAYLOAD_LIMIT_BYTES) throw new ServiceError('InvalidExecutionInput', 'Execution input exceeds the 262144 byte limit');
      try {
        JSON.parse(input);
      } catch {
        throw new ServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not valid JSON');
      }
      const executionArn = executionArnOf(stateMachineArn, name);
      const existing = executions.get(executionArn);
      if (existing) {
        // AWS (Standard): same name and input while RUNNING is idempotent; anything else is a conflict.
        if (existing.status === 'RUNNING' && existing.input === input) return { executionArn, startDate: existing.startDate / 1000 };
        throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      }
      const execution: Execution = { executionArn, stateMachineArn, name, status: 'RUNNING', startDate: Date.now(), input };
      executions.set(executionArn, execution);
      track(runExecution(execution));
      return { executionArn, startDate: execution.startDate / 1000 };
    },

    DescribeExecution: (request) => {
      const execution = findExecution(requireString(request, 'executionArn'));
      return {
        ...executionSummary(execution),
        input: execution.input,
        inputDetails: { included: true },
        ...(execution.output !== undefined ? { output: execution.output, outputDetails: { included: true } } : {}),
        ...(execution.error !== undefined ? { error: execution.error } : {}),
        ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
      };
    },

    StopExecution: async (request) => {
      const execution = findExecution(requireString(request, 'executionArn'));
      if (execution.status === 'RUNNING') {
        const abort = execution.abort;
        // Record ABORTED before aborting so the run's own settling cannot claim another status.
        const ended = endExecution(execution, { status: 'ABORTED', error: optionalString(request, 'error'), cause: optionalString(request, 'cause') });
        abort?.();
        track(ended);
        // The status is final already; the event goes out in the background, as EventBridge's would.
      }
      return { stopDate: (execution.stopDate ?? Date.now()) / 1000 };
    },

    ListExecutions: (request) => {
      const stateMachineArn = requireString(request, 'stateMachineArn');
      if (!machines.has(stateMachineArn)) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
      const statusFilter = optionalString(request, 'statusFilter');
      const maxResults = typeof request.maxResults === 'number' && request.maxResults > 0 ? Math.min(request.maxResults, 1000) : 100;
      // Newest first, as AWS lists them; the token names the last execution of the previous page.
      const matching = [...executions.values()]
        .filter((execution) => execution.stateMachineArn === stateMachineArn && (!statusFilter || execution.status === statusFilter))
        .reverse();
      let start = 0;
      const nextToken = optionalString(request, 'nextToken');
      if (nextToken) {
        const after = decodeToken(nextToken);
        const index = matching.findIndex((execution) => execution.executionArn === after);
        if (index < 0) throw new ServiceError('InvalidToken', 'Invalid Token');
        start = index + 1;
      }
      const page = matching.slice(start, start + maxResults);
      const last = page.at(-1);
      return {
        executions: page.map(executionSummary),
        ...(last && start + maxResults < matching.length ? { nextToken: encodeToken(last.executionArn) } : {}),
      };
    },
  };

  const findExecution = (executionArn: string): Execution => {
    const execution = executions.get(executionArn);
    if (!execution) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return execution;
  };

  const server = createServer((request, response) => {
    void handleRequest(request, response, operations);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const whenIdle = async () => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    whenIdle,
    stop: async () => {
      // Shutting down is not a stop by a user: abort the runs quietly, without end events.
      for (const execution of executions.values()) {
        if (execution.status !== 'RUNNING') continue;
        const abort = execution.abort;
        Object.assign(execution, { status: 'ABORTED', stopDate: Date.now(), abort: undefined });
        abort?.();
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await whenIdle();
    },
  };
}

async function handleRequest(
  request: IncomingMessage,
  response: ServerResponse,
  operations: Record<string, (request: Record<string, unknown>) => Promise<unknown> | unknown>,
): Promise<void> {
  const send = (status: number, body: unknown) => {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
    });
    response.end(text);
  };
  try {
    const target = request.headers['x-amz-target'];
    const operationName = typeof target === 'string' && target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : undefined;
    const operation = operationName ? operations[operationName] : undefined;
    if (request.method !== 'POST' || !operation) {
      throw new ServiceError('UnknownOperationException', `Operation ${String(target)} is not supported by the local Step Functions endpoint`);
    }
    const body = await readBody(request);
    let parsed: unknown;
    try {
      parsed = body.length > 0 ? JSON.parse(body) : {};
    } catch {
      throw new ServiceError('SerializationException', 'Request body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ServiceError('SerializationException', 'Request body must be a JSON object');
    send(200, await operation(parsed as Record<string, unknown>));
  } catch (error) {
    if (error instanceof ServiceError) {
      send(400, { __type: error.type, message: error.message });
    } else {
      console.error('local Step Functions endpoint:', error);
      send(500, { __type: 'InternalFailure', message: 'internal error in the local Step Functions endpoint' });
    }
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > REQUEST_LIMIT_BYTES) throw new ServiceError('ValidationException', 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function requireString(request: Record<string, unknown>, field: string): string {
  const value = request[field];
  if (typeof value !== 'string' || value.length === 0) throw new ServiceError('ValidationException', `${field} is required`);
  return value;
}

function optionalString(request: Record<string, unknown>, field: string): string | undefined {
  const value = request[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ServiceError('ValidationException', `${field} must be a string`);
  return value;
}

function executionSummary(execution: Execution) {
  return {
    executionArn: execution.executionArn,
    stateMachineArn: execution.stateMachineArn,
    name: execution.name,
    status: execution.status,
    // The JSON 1.0 protocol carries timestamps as epoch seconds.
    startDate: execution.startDate / 1000,
    ...(execution.stopDate !== undefined ? { stopDate: execution.stopDate / 1000 } : {}),
  };
}

function statusChangeEvent(execution: Execution): ExecutionStatusChangeEvent {
  const [, , , region = 'local', account = '000000000000'] = execution.executionArn.split(':');
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account,
    time: new Date(execution.stopDate ?? Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [execution.executionArn],
    detail: {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate,
      stopDate: execution.stopDate ?? null,
      input: execution.input,
      output: execution.output ?? null,
      error: execution.error ?? null,
      cause: execution.cause ?? null,
    },
  };
}

/** How aws-local-stepfunctions reports an execution's end, as Step Functions would. */
function failureOf(error: unknown): Pick<Execution, 'status' | 'error' | 'cause'> {
  if (error instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution exceeded its TimeoutSeconds' };
  if (error instanceof ExecutionError && error.cause instanceof Error) {
    return { status: 'FAILED', error: error.cause.name, cause: error.cause.message };
  }
  return { status: 'FAILED', error: 'States.Runtime', cause: error instanceof Error ? error.message : String(error) };
}

/** AWS: 1 to 80 characters, no whitespace, brackets, wildcards, special or control characters. */
function isValidExecutionName(name: string): boolean {
  if (name.length < 1 || name.length > 80 || /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/u.test(name)) return false;
  return [...name].every((character) => {
    const code = character.codePointAt(0) ?? 0;
    return code > 0x1f && (code < 0x7f || code > 0x9f);
  });
}

function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

function resourceName(arn: string): string {
  return arn.split(':').at(-1) ?? arn;
}

function encodeToken(executionArn: string): string {
  return Buffer.from(JSON.stringify({ after: executionArn })).toString('base64url');
}

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through
  }
  throw new ServiceError('InvalidToken', 'Invalid Token');
}

/** Step Functions fails a state whose output exceeds 256 KiB; local runs fail the same way. */
function limitTaskOutputs(taskHandlers: Record<string, TaskHandler>): Record<string, TaskHandler> {
  return Object.fromEntries(
    Object.entries(taskHandlers).map(([stateName, handler]) => [
      stateName,
      async (input: unknown) => {
        const output = await handler(input);
        const size = Buffer.byteLength(JSON.stringify(output ?? null));
        if (size > PAYLOAD_LIMIT_BYTES) {
          throw namedError('States.DataLimitExceeded', `The state/task '${stateName}' returned a result with a size exceeding the maximum number of bytes service limit (${size} bytes)`);
        }
        return output;
      },
    ]),
  );
}

function parseDefinition(definition: AslDefinition): StateMachineDefinition {
  return (typeof definition === 'string' ? JSON.parse(definition) : definition) as StateMachineDefinition;
}

type StateDefinition = StateMachineDefinition['States'][string];

/** Every state of a definition, including those inside Map iterators and Parallel branches. */
function* allStates(definition: Pick<StateMachineDefinition, 'States'>): Generator<[string, StateDefinition]> {
  for (const [name, state] of Object.entries(definition.States)) {
    yield [name, state];
    if (state.Type === 'Map') {
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) yield* allStates(processor);
    }
    if (state.Type === 'Parallel') for (const branch of state.Branches) yield* allStates(branch);
  }
}

function taskStateNames(definition: StateMachineDefinition): string[] {
  return [...allStates(definition)].filter(([, state]) => state.Type === 'Task').map(([name]) => name);
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

export const LAMBDA_INVOKE_RESOURCE = 'arn:aws:states:::lambda:invoke';

export type LambdaHandler = (event: unknown, context: LambdaContext) => Promise<unknown>;

/**
 * Task handlers for every `arn:aws:states:::lambda:invoke` Task of a definition, each
 * calling the in-process handler of the function its Parameters name. They take the
 * resolved Parameters `{FunctionName, Payload}` and return `{Payload: result}`, the
 * integration's shape in AWS. A thrown error keeps its name as the state's Error (Lambda's
 * errorType), and its Cause is the `{errorType, errorMessage}` JSON Lambda reports, so
 * Retry and Catch behave as in AWS.
 */
export function bindLambdaInvokeHandlers(
  definition: AslDefinition,
  functionIdByArn: Record<string, string>,
  loadHandler: (functionId: string) => Promise<LambdaHandler>,
  timeoutSecondsByFunctionId: Record<string, number> = {},
): Record<string, TaskHandler> {
  const parsed = parseDefinition(definition);
  const loaded = new Map<string, Promise<LambdaHandler>>();
  const handlerFor = (functionId: string) => {
    let handler = loaded.get(functionId);
    if (!handler) {
      handler = loadHandler(functionId);
      loaded.set(functionId, handler);
    }
    return handler;
  };

  const taskHandlers: Record<string, TaskHandler> = {};
  for (const [stateName, state] of allStates(parsed)) {
    if (state.Type !== 'Task' || state.Resource !== LAMBDA_INVOKE_RESOURCE) continue;
    taskHandlers[stateName] = async (input) => {
      const { FunctionName, Payload } = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
      const functionId = typeof FunctionName === 'string' ? functionIdFor(FunctionName, functionIdByArn) : undefined;
      if (!functionId) throw namedError('Lambda.ResourceNotFoundException', `Function not found: ${String(FunctionName)}`);
      const handler = await handlerFor(functionId);
      let result: unknown;
      try {
        result = await handler(Payload, createLambdaContext(functionId, (timeoutSecondsByFunctionId[functionId] ?? 300) * 1000));
      } catch (error) {
        const errorType = error instanceof Error ? error.name : 'Error';
        const errorMessage = error instanceof Error ? error.message : String(error);
        throw namedError(errorType, JSON.stringify({ errorType, errorMessage }));
      }
      // A real invocation serializes the result: drop undefined, turn Dates into strings.
      return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: result === undefined ? null : (JSON.parse(JSON.stringify(result)) as unknown) };
    };
  }
  return taskHandlers;
}

/** FunctionName may be an ARN (with or without a qualifier) or a bare name. */
function functionIdFor(functionName: string, functionIdByArn: Record<string, string>): string | undefined {
  const direct = functionIdByArn[functionName];
  if (direct) return direct;
  const unqualified = functionName.split(':').slice(0, 7).join(':');
  return functionIdByArn[unqualified] ?? Object.entries(functionIdByArn).find(([arn]) => resourceName(arn) === functionName)?.[1];
}
