/**
 * The local runner executes the very definition CDK synthesizes: the ASL from
 * synthesizeLocalWorkflows() equals the template's DefinitionString once its
 * tokens are resolved (resolved here independently), aws-local-stepfunctions
 * accepts it with full validation, and runs it end to end with in-test
 * handlers bound through functionIdByArn.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { App } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import { StateMachine } from 'aws-local-stepfunctions';
import { workflowFunctions } from '#functions/catalog.ts';
import { STACK_NAME } from '#infra/app.ts';
import { catalogEntry } from '#infra/function-entries.ts';
import type { InventoryFunction } from '#infra/constructs/inventory-function.ts';
import { InventoryStack } from '#infra/inventory-stack.ts';
import { synthesizeLocalWorkflows } from '#infra/local-definitions.ts';
import type { LocalWorkflow } from '#infra/local-definitions.ts';

type Json = Record<string, unknown>;
interface TaskInput {
  FunctionName: string;
  Payload: Json;
}

type TemplateDefinition = { 'Fn::Join': [string, unknown[]] };
/** platform-sync */
let workflow: LocalWorkflow;
let collect: LocalWorkflow;
let synthMs: number;
const templateDefinitions = new Map<LocalWorkflow['name'], TemplateDefinition>();
let logicalIdToCatalogId: Map<string, string>;
const outdir = mkdtempSync(join(tmpdir(), 'inventory-local-def-test-'));

before(async () => {
  const started = performance.now();
  const workflows = await synthesizeLocalWorkflows();
  synthMs = performance.now() - started;
  assert.deepEqual(workflows.map((w) => w.name).sort(), ['collect-hosts', 'platform-sync']);
  workflow = workflows.find((w) => w.name === 'platform-sync')!;
  collect = workflows.find((w) => w.name === 'collect-hosts')!;

  // An independent synthesis of the same stack, read from its template.
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const stack = new InventoryStack(app, STACK_NAME, { entryFor: catalogEntry });
  const assembly = app.synth();
  const template = JSON.parse(readFileSync(assembly.getStackByName(stack.stackName).templateFullPath, 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Json }>;
  };
  assert.equal(Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine').length, 2);
  for (const [name, stateMachine] of [['platform-sync', stack.workflow.stateMachine], ['collect-hosts', stack.collectHosts.stateMachine]] as const) {
    const resource = template.Resources[stack.getLogicalId(stateMachine.node.defaultChild as CfnElement)];
    assert.equal(resource?.Type, 'AWS::StepFunctions::StateMachine', name);
    templateDefinitions.set(name, resource.Properties.DefinitionString as TemplateDefinition);
  }
  logicalIdToCatalogId = new Map(
    workflowFunctions.map((spec) => {
      const fn = (stack.node.findChild(spec.id) as InventoryFunction).fn;
      return [stack.getLogicalId(fn.node.defaultChild as CfnElement), spec.id];
    }),
  );
});

after(() => rmSync(outdir, { recursive: true, force: true }));

describe('synthesizeLocalWorkflows', () => {
  /** The template's DefinitionString with its tokens resolved here, independently of resolveIntrinsics. */
  const expectedDefinition = (name: LocalWorkflow['name']) => {
    const templateDefinition = templateDefinitions.get(name);
    assert.ok(templateDefinition, name);
    const [separator, parts] = templateDefinition['Fn::Join'];
    const text = parts
      .map((part) => {
        if (typeof part === 'string') return part;
        const p = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
        if (p.Ref === 'AWS::Partition') return 'aws';
        const [logicalId, attribute] = p['Fn::GetAtt'] ?? [];
        const catalogId = logicalId ? logicalIdToCatalogId.get(logicalId) : undefined;
        assert.ok(catalogId && attribute === 'Arn', `unexpected token ${JSON.stringify(part)}`);
        return `arn:aws:lambda:us-east-1:000000000000:function:${catalogId}`;
      })
      .join(separator);
    return JSON.parse(text) as Json;
  };

  test('returns the synthesized platform-sync definition with tokens resolved to the local fake ARNs', () => {
    assert.deepEqual(workflow.definition, expectedDefinition('platform-sync'));
    assert.equal(workflow.name, 'platform-sync');
    assert.match(workflow.stateMachineArn, /^arn:aws:states:[a-z0-9-]+:\d{12}:stateMachine:platform-sync$/);
  });

  test('returns the synthesized collect-hosts definition with tokens resolved to the local fake ARNs', () => {
    assert.deepEqual(collect.definition, expectedDefinition('collect-hosts'));
    assert.equal(collect.name, 'collect-hosts');
    assert.match(collect.stateMachineArn, /^arn:aws:states:[a-z0-9-]+:\d{12}:stateMachine:collect-hosts$/);
    assert.notEqual(collect.stateMachineArn, workflow.stateMachineArn);
  });

  const functionIdsByTaskState = (w: LocalWorkflow) => {
    const seen: Record<string, string | undefined> = {};
    const visit = (states: Record<string, Json>) => {
      for (const [name, state] of Object.entries(states)) {
        if (state.Type === 'Task') seen[name] = w.functionIdByArn[String((state.Parameters as Json).FunctionName)];
        if (state.Type === 'Map') visit((state.ItemProcessor as { States: Record<string, Json> }).States);
      }
    };
    visit(w.definition.States as Record<string, Json>);
    return seen;
  };

  test('maps every FunctionName in the definition back to its catalog function', () => {
    assert.deepEqual(functionIdsByTaskState(workflow), {
      PlanBatches: 'plan-sync-batches',
      SyncEsxiHostBatch: 'sync-batch',
      SyncVmBatch: 'sync-batch',
      MarkMissingHosts: 'mark-missing-hosts',
      FailTask: 'fail-task',
    });
    assert.deepEqual(functionIdsByTaskState(collect), {
      CollectPlatformBatch: 'collect-platform-batch',
      CollectRemoteBatch: 'collect-remote-batch',
      FinishCollection: 'finish-collection',
      FailCollection: 'fail-task',
    });
  });

  test(`is fast enough for the local stack to call at start-up`, (t) => {
    t.diagnostic(`synthesizeLocalWorkflows took ${synthMs.toFixed(0)} ms (first call, aws-cdk-lib already imported)`);
    assert.ok(synthMs < 10_000);
  });
});

describe('aws-local-stepfunctions runs the synthesized definition', () => {
  interface Harness {
    calls: { functionId: string; state: string; payload: Json }[];
    run: () => Promise<unknown>;
  }

  /**
   * Binds every Task state to a handler chosen by the function its FunctionName
   * names (as the local stack does), each receiving {FunctionName, Payload} and
   * returning {Payload}.
   */
  function harness(handlers: Record<string, (payload: Json, state: string) => unknown>, retryIntervalOverrides: Record<string, number> = {}): Harness {
    const calls: Harness['calls'] = [];
    const machine = new StateMachine(workflow.definition as never);
    const bound: Record<string, (input: TaskInput) => Promise<{ Payload: unknown }>> = {};
    for (const state of ['PlanBatches', 'SyncEsxiHostBatch', 'SyncVmBatch', 'MarkMissingHosts', 'FailTask']) {
      bound[state] = async (input) => {
        const functionId = workflow.functionIdByArn[input.FunctionName];
        assert.ok(functionId, `unknown function ${input.FunctionName}`);
        calls.push({ functionId, state, payload: input.Payload });
        const handler = handlers[functionId];
        assert.ok(handler, `no handler for ${functionId}`);
        return { Payload: await handler(input.Payload, state) };
      };
    }
    return {
      calls,
      run: () =>
        machine.run({ taskId: 'task-1', platformId: 'platform-1' }, { overrides: { taskResourceLocalHandlers: bound as never, retryIntervalOverrides } }).result,
    };
  }

  const plan = () => ({ esxiBatches: [0, 1], vmBatches: [0, 1, 2], maxConcurrency: 2 });
  const ids = { taskId: 'task-1', platformId: 'platform-1' };

  test('the validator accepts the definition as is', () => {
    assert.doesNotThrow(() => new StateMachine(workflow.definition as never));
  });

  test('plan, 2 ESXi batches then 3 VM batches, mark missing', async () => {
    const h = harness({
      'plan-sync-batches': plan,
      'sync-batch': (p) => ({ batchIndex: p.batchIndex, upserted: 100 }),
      'mark-missing-hosts': () => ({ status: 'succeeded', missing: 3 }),
      'fail-task': () => assert.fail('fail-task must not run'),
    });
    const output = await h.run();
    assert.deepEqual(output, { status: 'succeeded', missing: 3 });

    const batches = h.calls.filter((c) => c.functionId === 'sync-batch');
    assert.equal(batches.length, 5);
    const key = (p: Json) => `${String(p.kind)}:${String(p.batchIndex)}`;
    assert.deepEqual(batches.map((c) => key(c.payload)).sort(), ['esxi:0', 'esxi:1', 'vm:0', 'vm:1', 'vm:2']);
    for (const c of batches) {
      assert.deepEqual(Object.keys(c.payload).sort(), ['batchIndex', 'kind', 'platformId', 'taskId']);
      assert.equal(c.payload.taskId, 'task-1');
      assert.equal(typeof c.payload.batchIndex, 'number');
      assert.equal(c.state, c.payload.kind === 'esxi' ? 'SyncEsxiHostBatch' : 'SyncVmBatch');
    }
    // ESXi hosts before VMs: every ESXi batch precedes every VM batch.
    const kinds = batches.map((c) => c.payload.kind);
    assert.deepEqual(kinds, ['esxi', 'esxi', 'vm', 'vm', 'vm']);

    assert.deepEqual(h.calls[0], { functionId: 'plan-sync-batches', state: 'PlanBatches', payload: ids });
    assert.deepEqual(h.calls.filter((c) => c.functionId === 'mark-missing-hosts').map((c) => c.payload), [ids]);
    assert.equal(h.calls.at(-1)?.functionId, 'mark-missing-hosts');
    assert.equal(h.calls.filter((c) => c.functionId === 'fail-task').length, 0);
  });

  test('a failing batch goes to FailTask with the error, then the execution fails', async () => {
    const h = harness({
      'plan-sync-batches': plan,
      'sync-batch': (p) => {
        if (p.kind === 'vm' && p.batchIndex === 1) {
          const error = new Error('vCenter session lost');
          error.name = 'BatchFailed';
          throw error;
        }
        return {};
      },
      'mark-missing-hosts': () => assert.fail('mark-missing-hosts must not run'),
      'fail-task': () => ({ recorded: true }),
    });
    await assert.rejects(h.run(), (error: Error) => {
      assert.match(error.message, /Platform sync failed/);
      assert.equal((error.cause as Error | undefined)?.name, 'BatchFailed');
      return true;
    });
    const failed = h.calls.filter((c) => c.functionId === 'fail-task');
    assert.deepEqual(
      failed.map((c) => c.payload),
      [{ ...ids, error: { Error: 'BatchFailed', Cause: 'vCenter session lost' } }],
    );
    assert.equal(h.calls.filter((c) => c.functionId === 'mark-missing-hosts').length, 0);
  });

  test('a failing plan goes straight to FailTask', async () => {
    const h = harness({
      'plan-sync-batches': () => {
        throw new Error('InvalidLogin');
      },
      'sync-batch': () => assert.fail('no batch may run'),
      'mark-missing-hosts': () => assert.fail('mark-missing-hosts must not run'),
      'fail-task': () => ({}),
    });
    await assert.rejects(h.run());
    assert.deepEqual(
      h.calls.map((c) => c.state),
      ['PlanBatches', 'FailTask'],
    );
  });

  test('a throttled batch invocation is retried, not failed', async () => {
    let throttled = false;
    const h = harness(
      {
        'plan-sync-batches': plan,
        'sync-batch': (p) => {
          if (!throttled && p.kind === 'vm') {
            throttled = true;
            const error = new Error('Rate exceeded');
            error.name = 'Lambda.TooManyRequestsException';
            throw error;
          }
          return {};
        },
        'mark-missing-hosts': () => ({ status: 'succeeded' }),
        'fail-task': () => assert.fail('fail-task must not run'),
      },
      { SyncVmBatch: 0 },
    );
    assert.deepEqual(await h.run(), { status: 'succeeded' });
    assert.equal(h.calls.filter((c) => c.state === 'SyncVmBatch').length, 4);
  });
});

describe('aws-local-stepfunctions runs the synthesized collect-hosts definition', () => {
  type Calls = { functionId: string; state: string; payload: Json }[];
  const TASK_STATES = ['CollectPlatformBatch', 'CollectRemoteBatch', 'FinishCollection', 'FailCollection'];

  /** As the local stack binds them: by FunctionName, {FunctionName, Payload} in, {Payload} out. */
  function harness(handlers: Record<string, (payload: Json) => unknown>, input: Json) {
    const calls: Calls = [];
    const machine = new StateMachine(collect.definition as never);
    const bound: Record<string, (input: TaskInput) => Promise<{ Payload: unknown }>> = {};
    for (const state of TASK_STATES) {
      bound[state] = async (taskInput) => {
        const functionId = collect.functionIdByArn[taskInput.FunctionName];
        assert.ok(functionId, `unknown function ${taskInput.FunctionName}`);
        calls.push({ functionId, state, payload: taskInput.Payload });
        const handler = handlers[functionId];
        assert.ok(handler, `no handler for ${functionId}`);
        return { Payload: await handler(taskInput.Payload) };
      };
    }
    return { calls, run: () => machine.run(input as never, { overrides: { taskResourceLocalHandlers: bound as never } }).result };
  }

  const input = {
    taskId: 'task-7',
    batches: [
      { batchIndex: 0, kind: 'platform' },
      { batchIndex: 0, kind: 'remote' },
      { batchIndex: 1, kind: 'platform' },
      { batchIndex: 1, kind: 'remote' },
      { batchIndex: 2, kind: 'remote' },
    ],
  };

  test('the validator accepts the definition as is', () => {
    assert.doesNotThrow(() => new StateMachine(collect.definition as never));
  });

  test('2 platform + 3 remote batches: each collector gets its batch indexes, then finish-collection once', async () => {
    const h = harness(
      {
        'collect-platform-batch': (p) => ({ batchIndex: p.batchIndex, collected: 10 }),
        'collect-remote-batch': (p) => ({ batchIndex: p.batchIndex, collected: 10 }),
        'finish-collection': () => ({ status: 'succeeded', collected: 50 }),
        'fail-task': () => assert.fail('fail-task must not run'),
      },
      input,
    );
    assert.deepEqual(await h.run(), { status: 'succeeded', collected: 50 });

    const indexes = (functionId: string) =>
      h.calls
        .filter((c) => c.functionId === functionId)
        .map((c) => c.payload.batchIndex as number)
        .sort();
    assert.deepEqual(indexes('collect-platform-batch'), [0, 1]);
    assert.deepEqual(indexes('collect-remote-batch'), [0, 1, 2]);
    for (const c of h.calls.filter((call) => call.functionId.startsWith('collect-'))) {
      assert.deepEqual(Object.keys(c.payload).sort(), ['batchIndex', 'taskId'], c.state);
      assert.equal(c.payload.taskId, 'task-7');
      assert.equal(typeof c.payload.batchIndex, 'number');
      assert.equal(c.state, c.functionId === 'collect-platform-batch' ? 'CollectPlatformBatch' : 'CollectRemoteBatch');
    }
    assert.deepEqual(
      h.calls.filter((c) => c.functionId === 'finish-collection').map((c) => c.payload),
      [{ taskId: 'task-7' }],
    );
    assert.equal(h.calls.at(-1)?.functionId, 'finish-collection');
    assert.equal(h.calls.length, 6);
  });

  test('no batches at all: straight to finish-collection', async () => {
    const h = harness(
      {
        'collect-platform-batch': () => assert.fail('no batch may run'),
        'collect-remote-batch': () => assert.fail('no batch may run'),
        'finish-collection': () => ({ status: 'succeeded' }),
        'fail-task': () => assert.fail('fail-task must not run'),
      },
      { taskId: 'task-7', batches: [] },
    );
    assert.deepEqual(await h.run(), { status: 'succeeded' });
    assert.deepEqual(h.calls.map((c) => c.state), ['FinishCollection']);
  });

  test('a throwing batch goes to FailCollection with the error and no platformId, then the execution fails', async () => {
    const h = harness(
      {
        'collect-platform-batch': () => ({}),
        'collect-remote-batch': (p) => {
          if (p.batchIndex === 1) {
            const error = new Error('batch plan missing');
            error.name = 'BatchFailed';
            throw error;
          }
          return {};
        },
        'finish-collection': () => assert.fail('finish-collection must not run'),
        'fail-task': () => ({ recorded: true }),
      },
      input,
    );
    await assert.rejects(h.run(), (error: Error) => {
      assert.match(error.message, /Host collection failed/);
      assert.equal((error.cause as Error | undefined)?.name, 'BatchFailed');
      return true;
    });
    const failed = h.calls.filter((c) => c.functionId === 'fail-task');
    assert.deepEqual(
      failed.map((c) => ({ state: c.state, payload: c.payload })),
      [{ state: 'FailCollection', payload: { taskId: 'task-7', error: { Error: 'BatchFailed', Cause: 'batch plan missing' } } }],
    );
    assert.equal('platformId' in failed[0]!.payload, false);
    assert.equal(h.calls.filter((c) => c.functionId === 'finish-collection').length, 0);
  });

  test('a failing finish-collection goes to FailCollection too', async () => {
    const h = harness(
      {
        'collect-platform-batch': () => ({}),
        'collect-remote-batch': () => ({}),
        'finish-collection': () => {
          throw new Error('tasks table unavailable');
        },
        'fail-task': () => ({}),
      },
      input,
    );
    await assert.rejects(h.run());
    assert.deepEqual(h.calls.slice(-2).map((c) => c.state), ['FinishCollection', 'FailCollection']);
  });
});
