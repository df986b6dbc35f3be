/**
 * The synthesized CloudFormation template of the CDK app: tables, one Lambda
 * per catalog function, API routes and their authorization, the platform-sync
 * and collect-hosts state machines, queue and rules, least-privilege spot checks, and a clean
 * cdk-nag AwsSolutions report.
 *
 * Bundling is skipped (context aws:cdk:bundling-stacks = []), so no handler is
 * built; a handler that is not written yet is replaced by a placeholder file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { allFunctions, apiFunctions } from '#functions/catalog.ts';
import { allTables } from '#shared/store/tables.ts';
import { buildApp } from '#infra/app.ts';
import type { InventoryApp } from '#infra/app.ts';
import { catalogEntry } from '#infra/function-entries.ts';
import { SECRET_PREFIX } from '#infra/inventory-stack.ts';

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Json;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const outdirs: string[] = [];
function synthesizableApp(): InventoryApp {
  const outdir = mkdtempSync(join(tmpdir(), 'inventory-cdk-test-'));
  outdirs.push(outdir);
  return buildApp(
    {
      outdir,
      context: { 'aws:cdk:bundling-stacks': [], '@aws-cdk/core:appMode': 'inmemory' },
      analyticsReporting: false,
      // CDK's own schema validation only warns and takes seconds; cdk-nag is what we check.
      builtinCloudFormationValidation: false,
    },
    { entryFor: catalogEntry },
  );
}

let built: InventoryApp;
let template: Template;
let resources: Record<string, Resource>;
let validationReport: { pluginReports: { pluginName: string; violations?: { ruleName: string }[] }[] };

before(() => {
  built = synthesizableApp();
  // Throws (in-memory app mode) when cdk-nag reports an unacknowledged error.
  const assembly = built.app.synth();
  template = Template.fromStack(built.stack);
  resources = template.toJSON().Resources as Record<string, Resource>;
  validationReport = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'));
});

after(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

const logicalId = (element: unknown) => built.stack.getLogicalId(element as CfnElement);
const fnLogicalId = (id: string) => built.stack.functionLogicalId(id);
const roleLogicalId = (id: string) => logicalId(built.stack.inventoryFunction(id).role.node.defaultChild);
const tableLogicalId = (id: Parameters<typeof built.stack.tables.get>[0]) => logicalId(built.stack.tables.get(id).node.defaultChild);
const syncStateMachineId = () => logicalId(built.stack.workflow.stateMachine.node.defaultChild);
const collectStateMachineId = () => logicalId(built.stack.collectHosts.stateMachine.node.defaultChild);
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

function statementsOf(functionId: string): Statement[] {
  const role = roleLogicalId(functionId);
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: role }]))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** Statements of a function's role whose resources mention a logical id (as Ref or GetAtt). */
function statementsOn(functionId: string, resourceLogicalId: string): Statement[] {
  return statementsOf(functionId).filter((s) => JSON.stringify(s.Resource).includes(`"${resourceLogicalId}"`));
}

const DYNAMODB_WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

describe('DynamoDB tables', () => {
  test('one on-demand table with point-in-time recovery per spec', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', allTables.length);
    for (const spec of allTables) {
      const table = resources[tableLogicalId(spec.id)];
      assert.ok(table, spec.id);
      const p = table.Properties;
      assert.equal(p.BillingMode, 'PAY_PER_REQUEST', spec.id);
      const keys = [{ AttributeName: spec.partitionKey.name, KeyType: 'HASH' }];
      if (spec.sortKey) keys.push({ AttributeName: spec.sortKey.name, KeyType: 'RANGE' });
      assert.deepEqual(p.KeySchema, keys, spec.id);
      const [replica] = p.Replicas as Json[];
      assert.deepEqual(replica?.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true }, spec.id);
      if (spec.timeToLiveAttribute) {
        assert.deepEqual(p.TimeToLiveSpecification, { AttributeName: spec.timeToLiveAttribute, Enabled: true });
      } else {
        assert.equal(p.TimeToLiveSpecification, undefined);
      }
    }
  });

  test('global secondary indexes as specified, INCLUDE projection when non-key attributes are listed', () => {
    for (const spec of allTables) {
      const indexes = (resources[tableLogicalId(spec.id)]?.Properties.GlobalSecondaryIndexes ?? []) as Json[];
      assert.deepEqual(
        indexes.map((i) => i.IndexName),
        spec.indexes.map((i) => i.indexName),
      );
      for (const index of spec.indexes) {
        const deployed = indexes.find((i) => i.IndexName === index.indexName);
        const keys = [{ AttributeName: index.partitionKey.name, KeyType: 'HASH' }];
        if (index.sortKey) keys.push({ AttributeName: index.sortKey.name, KeyType: 'RANGE' });
        assert.deepEqual(deployed?.KeySchema, keys);
        assert.deepEqual(
          deployed?.Projection,
          index.nonKeyAttributes ? { ProjectionType: 'INCLUDE', NonKeyAttributes: index.nonKeyAttributes } : { ProjectionType: 'ALL' },
        );
      }
    }
  });
});

describe('Lambda functions', () => {
  test('one function per catalog entry, nodejs24.x on arm64 with active tracing', () => {
    template.resourceCountIs('AWS::Lambda::Function', allFunctions.length);
    for (const spec of allFunctions) {
      const p = resources[fnLogicalId(spec.id)]?.Properties;
      assert.ok(p, spec.id);
      assert.equal(p.Runtime, 'nodejs24.x', spec.id);
      assert.deepEqual(p.Architectures, ['arm64']);
      assert.deepEqual(p.TracingConfig, { Mode: 'Active' });
      assert.equal(p.Handler, 'index.handler');
      assert.equal(p.Timeout, spec.timeoutSeconds ?? 10, spec.id);
      assert.equal(p.MemorySize, spec.memoryMb ?? 512, spec.id);
    }
  });

  test('environment: table names, secret store, sync wiring where the catalog asks for it', () => {
    for (const spec of allFunctions) {
      const env = ((resources[fnLogicalId(spec.id)]?.Properties.Environment as Json).Variables ?? {}) as Json;
      for (const table of allTables) assert.deepEqual(env[table.envVar], { Ref: tableLogicalId(table.id) }, `${spec.id} ${table.envVar}`);
      assert.equal(env.SECRET_STORE, 'secretsmanager');
      assert.equal(env.SECRET_PREFIX, SECRET_PREFIX);
      assert.equal(env.POWERTOOLS_SERVICE_NAME, 'inventory-collector');
      assert.ok(env.POWERTOOLS_LOG_LEVEL);
      assert.equal(env.SYNC_STATE_MACHINE_ARN !== undefined, Boolean(spec.access.startsSync), `${spec.id} SYNC_STATE_MACHINE_ARN`);
      if (spec.access.startsSync) assert.deepEqual(env.SYNC_STATE_MACHINE_ARN, { Ref: syncStateMachineId() }, spec.id);
      assert.equal(env.COLLECT_STATE_MACHINE_ARN !== undefined, Boolean(spec.access.startsCollection), `${spec.id} COLLECT_STATE_MACHINE_ARN`);
      if (spec.access.startsCollection) assert.deepEqual(env.COLLECT_STATE_MACHINE_ARN, { Ref: collectStateMachineId() }, spec.id);
      assert.equal(env.SYNC_REQUESTS_QUEUE_URL !== undefined, Boolean(spec.access.sendsSyncRequests), `${spec.id} SYNC_REQUESTS_QUEUE_URL`);
      const vsphere = ['plan-sync-batches', 'sync-batch', 'collect-platform-batch', 'collect-remote-batch'].includes(spec.id);
      assert.equal(env.VSPHERE_WSDL_PATH, vsphere ? '/var/task/vim.wsdl' : undefined, spec.id);
    }
  });
});

describe('least privilege', () => {
  test('get-task reads tasks and cannot write them', () => {
    const onTasks = statementsOn('get-task', tableLogicalId('tasks'));
    assert.ok(onTasks.some((s) => actions(s).includes('dynamodb:GetItem')));
    for (const s of onTasks) for (const a of DYNAMODB_WRITES) assert.ok(!actions(s).includes(a), a);
  });

  test('list-hosts reads hosts only: no secrets, no other table', () => {
    const all = statementsOf('list-hosts');
    assert.ok(all.every((s) => actions(s).every((a) => !a.startsWith('secretsmanager:'))));
    for (const other of ['platforms', 'tasks', 'taskItems'] as const) assert.deepEqual(statementsOn('list-hosts', tableLogicalId(other)), []);
    assert.ok(statementsOn('list-hosts', tableLogicalId('hosts')).some((s) => actions(s).includes('dynamodb:Query')));
  });

  test('get-health touches no data at all', () => {
    const services = new Set(statementsOf('get-health').flatMap(actions).map((a) => a.split(':')[0]));
    assert.deepEqual([...services].sort(), ['logs', 'xray']);
  });

  test('secrets are scoped to the inventory/ prefix, write only where the catalog says write', () => {
    for (const spec of allFunctions) {
      const secrets = statementsOf(spec.id).filter((s) => actions(s).some((a) => a.startsWith('secretsmanager:')));
      if (!spec.access.secrets) {
        assert.deepEqual(secrets, [], spec.id);
        continue;
      }
      for (const s of secrets) assert.match(JSON.stringify(s.Resource), /:secret:inventory\/\*"/, spec.id);
      const granted = secrets.flatMap(actions);
      assert.ok(granted.includes('secretsmanager:GetSecretValue'), spec.id);
      assert.equal(granted.includes('secretsmanager:PutSecretValue'), spec.access.secrets === 'write', spec.id);
    }
  });

  test('StartExecution on the state machines the catalog names (startsSync, startsCollection), and nowhere else', () => {
    for (const spec of allFunctions) {
      const starts = statementsOf(spec.id).filter((s) => actions(s).includes('states:StartExecution'));
      const expected = [
        ...(spec.access.startsSync ? [{ Ref: syncStateMachineId() }] : []),
        ...(spec.access.startsCollection ? [{ Ref: collectStateMachineId() }] : []),
      ];
      assert.deepEqual(
        starts.map((s) => s.Resource),
        expected,
        spec.id,
      );
    }
  });

  test('start-host-collection starts collect-hosts but not platform-sync; start-platform-sync the reverse', () => {
    const startable = (functionId: string, stateMachineId: string) =>
      statementsOn(functionId, stateMachineId).some((s) => actions(s).includes('states:StartExecution'));
    assert.equal(startable('start-host-collection', collectStateMachineId()), true);
    assert.equal(startable('start-host-collection', syncStateMachineId()), false);
    assert.equal(startable('start-platform-sync', syncStateMachineId()), true);
    assert.equal(startable('start-platform-sync', collectStateMachineId()), false);
  });

  test('the state machine roles invoke their own functions only', () => {
    const invoked = (stateMachine: typeof built.stack.workflow.stateMachine) => {
      const role = logicalId(stateMachine.role.node.defaultChild);
      const statements = Object.values(resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: role }]))
        .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
        .filter((s) => actions(s).includes('lambda:InvokeFunction'));
      const text = JSON.stringify(statements);
      return allFunctions.filter((spec) => text.includes(`"${fnLogicalId(spec.id)}"`)).map((spec) => spec.id).sort();
    };
    assert.deepEqual(invoked(built.stack.workflow.stateMachine), ['fail-task', 'mark-missing-hosts', 'plan-sync-batches', 'sync-batch']);
    assert.deepEqual(invoked(built.stack.collectHosts.stateMachine), ['collect-platform-batch', 'collect-remote-batch', 'fail-task', 'finish-collection']);
  });

  test('sqs:SendMessage on the sync-requests queue only, for the dispatcher', () => {
    const queue = logicalId(built.stack.syncRequests.queue.node.defaultChild);
    for (const spec of allFunctions) {
      const sends = statementsOf(spec.id).filter((s) => actions(s).includes('sqs:SendMessage'));
      if (!spec.access.sendsSyncRequests) {
        assert.deepEqual(sends, [], spec.id);
        continue;
      }
      assert.deepEqual(sends, [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [queue, 'Arn'] } }]);
    }
  });

  test('table writes exactly where the catalog says write', () => {
    for (const spec of allFunctions) {
      for (const table of allTables) {
        const granted = statementsOn(spec.id, tableLogicalId(table.id)).flatMap(actions);
        const access = spec.access.tables?.[table.id];
        assert.equal(granted.includes('dynamodb:GetItem'), access !== undefined, `${spec.id} reads ${table.id}`);
        assert.equal(granted.includes('dynamodb:PutItem'), access === 'write', `${spec.id} writes ${table.id}`);
      }
    }
  });
});

describe('HTTP API', () => {
  test('a route per catalog API function, IAM-authorized unless public', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Route', apiFunctions.length);
    for (const spec of apiFunctions) {
      assert.ok(spec.route);
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${spec.route.method} ${spec.route.path}`,
        AuthorizationType: spec.route.public ? 'NONE' : 'AWS_IAM',
      });
    }
  });

  test('default stage with access logs and throttling', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('\\$context\\.requestId') },
      DefaultRouteSettings: { ThrottlingBurstLimit: Match.anyValue(), ThrottlingRateLimit: Match.anyValue() },
    });
  });

  test('outputs: API URL and state machine ARNs', () => {
    template.hasOutput('ApiUrl', {});
    template.hasOutput('PlatformSyncStateMachineArn', {
      Value: { Ref: syncStateMachineId() },
    });
    template.hasOutput('CollectHostsStateMachineArn', {
      Value: { Ref: collectStateMachineId() },
    });
  });
});

describe('platform-sync state machine', () => {
  type State = Json & { Type: string };
  let states: Record<string, State>;

  before(() => {
    const sm = resources[logicalId(built.stack.workflow.stateMachine.node.defaultChild)];
    assert.ok(sm);
    // Tokens replaced by markers: the structure is what this suite checks.
    const parts = (sm.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    const text = parts.map((p) => (typeof p === 'string' ? p : `<${JSON.stringify(p).replace(/"/g, "'")}>`)).join('');
    states = (JSON.parse(text) as { States: Record<string, State> }).States;
  });

  test('Standard, logs at level ALL, tracing, two-hour timeout', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    const sm = resources[syncStateMachineId()];
    assert.deepEqual(
      Match.objectLike({
        StateMachineType: 'STANDARD',
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }] },
        TracingConfiguration: { Enabled: true },
      }).test(sm?.Properties).hasFailed(),
      false,
    );
    const parts = (sm?.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    assert.match(String(parts.at(-1)), /"TimeoutSeconds":7200/);
  });

  test('state names and flow as in docs/workflows.md', () => {
    assert.deepEqual(Object.keys(states).sort(), ['FailTask', 'MarkMissingHosts', 'PlanBatches', 'SyncEsxiHostBatches', 'SyncFailed', 'SyncVmBatches'].sort());
    assert.equal(states.PlanBatches?.Next, 'SyncEsxiHostBatches');
    assert.equal(states.SyncEsxiHostBatches?.Next, 'SyncVmBatches');
    assert.equal(states.SyncVmBatches?.Next, 'MarkMissingHosts');
    assert.equal(states.MarkMissingHosts?.End, true);
    assert.equal(states.FailTask?.Next, 'SyncFailed');
    assert.equal(states.SyncFailed?.Type, 'Fail');
    assert.equal(states.PlanBatches?.ResultPath, '$.plan');
  });

  test('inline Maps over batch indexes, results discarded, concurrency from the plan', () => {
    const cases = [
      ['SyncEsxiHostBatches', 'SyncEsxiHostBatch', 'esxi', '$.plan.esxiBatches'],
      ['SyncVmBatches', 'SyncVmBatch', 'vm', '$.plan.vmBatches'],
    ] as const;
    for (const [mapName, taskName, kind, itemsPath] of cases) {
      const map = states[mapName];
      assert.equal(map?.Type, 'Map');
      assert.equal(map.ItemsPath, itemsPath);
      assert.equal(map.MaxConcurrencyPath, '$.plan.maxConcurrency');
      assert.equal(map.ResultPath, null);
      assert.equal(map.ItemReader, undefined);
      assert.deepEqual(map.ItemSelector, { 'taskId.$': '$.taskId', 'platformId.$': '$.platformId', kind, 'batchIndex.$': '$$.Map.Item.Value' });
      const processor = map.ItemProcessor as { ProcessorConfig: Json; StartAt: string; States: Record<string, State> };
      assert.deepEqual(processor.ProcessorConfig, { Mode: 'INLINE' });
      assert.equal(processor.StartAt, taskName);
      const task = processor.States[taskName];
      assert.equal(task?.Type, 'Task');
      assert.equal(task.ResultPath, null);
      assert.deepEqual((task.Parameters as Json).Payload, { 'taskId.$': '$.taskId', 'platformId.$': '$.platformId', 'kind.$': '$.kind', 'batchIndex.$': '$.batchIndex' });
    }
  });

  test('every Task retries Lambda throttling and service errors with backoff; every top-level step catches into FailTask', () => {
    const tasks: [string, State][] = [];
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') tasks.push([name, state]);
      if (state.Type === 'Map') tasks.push(...Object.entries((state.ItemProcessor as { States: Record<string, State> }).States));
    }
    assert.equal(tasks.length, 5);
    for (const [name, task] of tasks) {
      assert.match(String(task.Resource), /:states:::lambda:invoke$/, name);
      const [retry] = task.Retry as { ErrorEquals: string[]; BackoffRate: number; MaxAttempts: number }[];
      for (const error of ['Lambda.TooManyRequestsException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException']) {
        assert.ok(retry?.ErrorEquals.includes(error), `${name} retries ${error}`);
      }
      assert.ok(retry && retry.BackoffRate > 1 && retry.MaxAttempts > 1, name);
    }
    for (const name of ['PlanBatches', 'SyncEsxiHostBatches', 'SyncVmBatches', 'MarkMissingHosts']) {
      assert.deepEqual(states[name]?.Catch, [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'FailTask' }], name);
    }
    assert.deepEqual((states.FailTask?.Parameters as Json).Payload, { 'taskId.$': '$.taskId', 'platformId.$': '$.platformId', 'error.$': '$.error' });
  });
});

describe('collect-hosts state machine', () => {
  type State = Json & { Type: string };
  let sm: Resource;
  let states: Record<string, State>;
  let inner: Record<string, State>;

  before(() => {
    const found = resources[collectStateMachineId()];
    assert.ok(found);
    sm = found;
    const parts = (sm.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    const text = parts.map((p) => (typeof p === 'string' ? p : `<${JSON.stringify(p).replace(/"/g, "'")}>`)).join('');
    const definition = JSON.parse(text) as { StartAt: string; States: Record<string, State>; TimeoutSeconds: number };
    assert.equal(definition.StartAt, 'CollectBatches');
    assert.equal(definition.TimeoutSeconds, 7200);
    states = definition.States;
    inner = (states.CollectBatches?.ItemProcessor as { States: Record<string, State> } | undefined)?.States ?? {};
  });

  test('Standard, logs at level ALL with execution data, tracing, its own vended log group', () => {
    const p = sm.Properties;
    assert.equal(p.StateMachineType, 'STANDARD');
    assert.deepEqual(p.TracingConfiguration, { Enabled: true });
    const logging = p.LoggingConfiguration as { Level: string; IncludeExecutionData: boolean; Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: unknown } }[] };
    assert.equal(logging.Level, 'ALL');
    assert.equal(logging.IncludeExecutionData, true);
    const logGroup = logicalId(built.stack.collectHosts.logGroup.node.defaultChild);
    assert.deepEqual(logging.Destinations, [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroup, 'Arn'] } } }]);
    assert.match(String(resources[logGroup]?.Properties.LogGroupName), /^\/aws\/vendedlogs\/states\/.*collect-hosts$/);
  });

  test('state names and flow as in docs/workflows.md', () => {
    assert.deepEqual(Object.keys(states).sort(), ['CollectBatches', 'CollectionFailed', 'FailCollection', 'FinishCollection']);
    assert.equal(states.CollectBatches?.Next, 'FinishCollection');
    assert.equal(states.FinishCollection?.End, true);
    assert.equal(states.FailCollection?.Next, 'CollectionFailed');
    assert.equal(states.CollectionFailed?.Type, 'Fail');
    assert.deepEqual(Object.keys(inner).sort(), ['ChooseCollector', 'CollectPlatformBatch', 'CollectRemoteBatch']);
  });

  test('inline Map over $.batches, concurrency 5, results discarded, a Choice on the kind inside', () => {
    const map = states.CollectBatches;
    assert.equal(map?.Type, 'Map');
    assert.equal(map.ItemsPath, '$.batches');
    assert.equal(map.MaxConcurrency, 5);
    assert.equal(map.ResultPath, null);
    assert.equal(map.ItemReader, undefined);
    assert.equal(map.Iterator, undefined);
    assert.deepEqual(map.ItemSelector, { 'taskId.$': '$.taskId', 'batchIndex.$': '$$.Map.Item.Value.batchIndex', 'kind.$': '$$.Map.Item.Value.kind' });
    const processor = map.ItemProcessor as { ProcessorConfig: Json; StartAt: string };
    assert.deepEqual(processor.ProcessorConfig, { Mode: 'INLINE' });
    assert.equal(processor.StartAt, 'ChooseCollector');

    const choice = inner.ChooseCollector;
    assert.equal(choice?.Type, 'Choice');
    assert.deepEqual(choice.Choices, [{ Variable: '$.kind', StringEquals: 'platform', Next: 'CollectPlatformBatch' }]);
    assert.equal(choice.Default, 'CollectRemoteBatch');
    for (const [name, functionId] of [['CollectPlatformBatch', 'collect-platform-batch'], ['CollectRemoteBatch', 'collect-remote-batch']] as const) {
      const task = inner[name];
      assert.equal(task?.Type, 'Task', name);
      assert.equal(task.End, true, name);
      assert.equal(task.ResultPath, null, name);
      const parameters = task.Parameters as Json;
      assert.deepEqual(parameters.Payload, { 'taskId.$': '$.taskId', 'batchIndex.$': '$.batchIndex' }, name);
      assert.match(String(parameters.FunctionName), new RegExp(`'${fnLogicalId(functionId)}'`), name);
    }
  });

  test('JSONPath only, every Task retries Lambda throttling; Map and FinishCollection catch into FailCollection', () => {
    assert.equal(JSON.stringify(sm.Properties.DefinitionString).includes('JSONata'), false);
    const tasks = [...Object.entries(states), ...Object.entries(inner)].filter(([, state]) => state.Type === 'Task');
    assert.deepEqual(tasks.map(([name]) => name).sort(), ['CollectPlatformBatch', 'CollectRemoteBatch', 'FailCollection', 'FinishCollection']);
    for (const [name, task] of tasks) {
      assert.match(String(task.Resource), /:states:::lambda:invoke$/, name);
      const [retry] = task.Retry as { ErrorEquals: string[]; BackoffRate: number; MaxAttempts: number }[];
      assert.ok(retry?.ErrorEquals.includes('Lambda.TooManyRequestsException'), name);
      assert.ok(retry && retry.BackoffRate > 1 && retry.MaxAttempts > 1, name);
    }
    for (const name of ['CollectBatches', 'FinishCollection']) {
      assert.deepEqual(states[name]?.Catch, [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'FailCollection' }], name);
    }
    assert.deepEqual((states.FinishCollection?.Parameters as Json).Payload, { 'taskId.$': '$.taskId' });
    assert.deepEqual((states.FailCollection?.Parameters as Json).Payload, { 'taskId.$': '$.taskId', 'error.$': '$.error' });
    assert.equal(states.FailCollection?.ResultPath, null);
  });

  test('collect-remote-batch is a plain Lambda with outbound network only (no VPC)', () => {
    assert.equal(resources[fnLogicalId('collect-remote-batch')]?.Properties.VpcConfig, undefined);
  });
});

describe('queue and rules', () => {
  test('sync-requests queue: SSE, TLS only, dead-letter queue, consumed with partial batch failures', () => {
    const queue = logicalId(built.stack.syncRequests.queue.node.defaultChild);
    const dlq = logicalId(built.stack.syncRequests.deadLetterQueue.node.defaultChild);
    const q = resources[queue]?.Properties;
    assert.equal(q?.SqsManagedSseEnabled, true);
    assert.deepEqual(q?.RedrivePolicy, { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 });
    assert.equal(resources[dlq]?.Properties.SqsManagedSseEnabled, true);
    for (const id of [queue, dlq]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      FunctionName: { Ref: fnLogicalId('start-queued-sync') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('every minute the dispatcher runs', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnLogicalId('dispatch-scheduled-syncs'), 'Arn'] } })],
    });
  });

  test('failed, timed-out and aborted platform-sync and collect-hosts executions go to the reconciler', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          stateMachineArn: [{ Ref: syncStateMachineId() }, { Ref: collectStateMachineId() }],
        },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnLogicalId('reconcile-execution'), 'Arn'] } })],
    });
    // One rule covers both; no other rule targets the reconciler.
    const reconcilerRules = Object.values(resources).filter(
      (r) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties.Targets).includes(`"${fnLogicalId('reconcile-execution')}"`),
    );
    assert.equal(reconcilerRules.length, 1);
  });
});

describe('cdk-nag AwsSolutions', () => {
  test('no unacknowledged findings', () => {
    // cdk-nag 3 reports through CDK policy validation (validation-report.json,
    // and a synth error), no longer through annotations; both are checked.
    const nag = validationReport.pluginReports.filter((r) => r.pluginName === 'AwsSolutions');
    assert.deepEqual(nag.flatMap((r) => r.violations ?? []).map((v) => v.ruleName), []);
    assert.deepEqual(Annotations.fromStack(built.stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')), []);
  });

  test('the pack is really applied: a non-compliant resource fails synthesis', () => {
    const probe = synthesizableApp();
    new s3.Bucket(probe.stack, 'NonCompliantBucket');
    assert.throws(() => probe.app.synth(), /AwsSolutions-S1/);
  });
});
