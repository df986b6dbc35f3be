import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { bindLambdaInvokeHandlers, startStepFunctionsEndpoint } from '#local/stepfunctions-endpoint.ts';
import type { ExecutionStatusChangeEvent, StepFunctionsEndpoint } from '#local/stepfunctions-endpoint.ts';

const ARN_PREFIX = 'arn:aws:states:us-east-1:123456789012:stateMachine:';
const batchesArn = `${ARN_PREFIX}batches`;
const slowArn = `${ARN_PREFIX}slow`;
const failingArn = `${ARN_PREFIX}failing`;
const lambdaArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:lambda-invoke';
const planFunctionArn = 'arn:aws:lambda:us-east-1:123456789012:function:plan';
const batchFunctionArn = 'arn:aws:lambda:us-east-1:123456789012:function:batch';
const failFunctionArn = 'arn:aws:lambda:us-east-1:123456789012:function:fail-task';

/** Pass, Task and an inline Map over batch indexes, the shape of the sync workflow. */
const batchesDefinition = {
  StartAt: 'Describe',
  States: {
    Describe: { Type: 'Pass', Parameters: { 'taskId.$': '$$.Execution.Name', 'count.$': '$.count' }, Next: 'Plan' },
    Plan: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:plan', ResultPath: '$.plan', Next: 'Batches' },
    Batches: {
      Type: 'Map',
      ItemsPath: '$.plan.batches',
      MaxConcurrency: 2,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Batch',
        States: { Batch: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:batch', End: true } },
      },
      ResultPath: '$.results',
      End: true,
    },
  },
};

const slowDefinition = {
  StartAt: 'Slow',
  States: { Slow: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:slow', End: true } },
};

const failingDefinition = {
  StartAt: 'Explode',
  States: { Explode: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:explode', End: true } },
};

/** The lambda:invoke integration with Catch into a failure handler, as CDK's LambdaInvoke writes it. */
const lambdaInvokeDefinition = {
  StartAt: 'PlanBatches',
  States: {
    PlanBatches: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: planFunctionArn, 'Payload.$': '$' },
      ResultSelector: { 'plan.$': '$.Payload' },
      ResultPath: '$.planned',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'FailTask' }],
      Next: 'SyncBatches',
    },
    SyncBatches: {
      Type: 'Map',
      ItemsPath: '$.planned.plan.batches',
      ItemSelector: { 'batchIndex.$': '$$.Map.Item.Value' },
      Iterator: {
        StartAt: 'SyncBatch',
        States: {
          SyncBatch: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: `${batchFunctionArn}:$LATEST`, 'Payload.$': '$' },
            OutputPath: '$.Payload',
            End: true,
          },
        },
      },
      End: true,
    },
    FailTask: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: failFunctionArn, 'Payload.$': '$.error' },
      Next: 'SyncFailed',
    },
    SyncFailed: { Type: 'Fail', Error: 'SyncFailed', Cause: 'see the task' },
  },
};

class VCenterUnreachable extends Error {
  override name = 'VCenterUnreachable';
}

describe('local Step Functions endpoint', () => {
  let endpoint: StepFunctionsEndpoint;
  let client: SFNClient;
  const ended: ExecutionStatusChangeEvent[] = [];
  const failTaskPayloads: unknown[] = [];
  let planShouldFail = false;
  let releaseSlow: (() => void) | undefined;

  before(async () => {
    const lambdas: Record<string, (event: unknown, context: { awsRequestId: string; getRemainingTimeInMillis(): number }) => Promise<unknown>> = {
      plan: async () => {
        if (planShouldFail) throw new VCenterUnreachable('connect ETIMEDOUT 10.0.0.1:443');
        return { batches: [0, 1, 2] };
      },
      batch: async (event, context) => {
        assert.ok(context.awsRequestId);
        assert.ok(context.getRemainingTimeInMillis() > 0);
        return { done: (event as { batchIndex: number }).batchIndex, at: new Date(0) };
      },
      'fail-task': async (event) => {
        failTaskPayloads.push(event);
        return null;
      },
    };
    endpoint = await startStepFunctionsEndpoint({
      workflows: [
        {
          stateMachineArn: batchesArn,
          definition: batchesDefinition,
          taskHandlers: {
            Plan: async (input) => ({ batches: Array.from({ length: (input as { count: number }).count }, (_, index) => index) }),
            Batch: async (input) => ({ batch: input }),
          },
        },
        {
          stateMachineArn: slowArn,
          definition: JSON.stringify(slowDefinition),
          taskHandlers: { Slow: () => new Promise((resolve) => (releaseSlow = () => resolve({ finished: true }))) },
        },
        {
          stateMachineArn: failingArn,
          definition: failingDefinition,
          taskHandlers: {
            Explode: async () => {
              throw new VCenterUnreachable('boom');
            },
          },
        },
        {
          stateMachineArn: lambdaArn,
          definition: lambdaInvokeDefinition,
          taskHandlers: bindLambdaInvokeHandlers(
            lambdaInvokeDefinition,
            { [planFunctionArn]: 'plan', [batchFunctionArn]: 'batch', [failFunctionArn]: 'fail-task' },
            async (functionId) => {
              const lambda = lambdas[functionId];
              if (!lambda) throw new Error(`unknown ${functionId}`);
              return lambda as never;
            },
          ),
        },
      ],
      onExecutionEnded: async (event) => {
        ended.push(event);
      },
    });
    client = new SFNClient({ endpoint: endpoint.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });

  after(async () => {
    client.destroy();
    await endpoint.stop();
  });

  it('runs Pass, Task and Map states and describes the result', async () => {
    const started = await client.send(new StartExecutionCommand({ stateMachineArn: batchesArn, name: 'task-1', input: JSON.stringify({ count: 3 }) }));
    assert.equal(started.executionArn, 'arn:aws:states:us-east-1:123456789012:execution:batches:task-1');
    assert.ok(started.startDate instanceof Date);
    await endpoint.whenIdle();

    const described = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    assert.equal(described.status, 'SUCCEEDED');
    assert.equal(described.name, 'task-1');
    assert.equal(described.stateMachineArn, batchesArn);
    assert.ok(described.stopDate instanceof Date);
    assert.deepEqual(JSON.parse(described.output ?? 'null'), {
      taskId: 'task-1',
      count: 3,
      plan: { batches: [0, 1, 2] },
      results: [{ batch: 0 }, { batch: 1 }, { batch: 2 }],
    });
    const event = ended.find((candidate) => candidate.detail.executionArn === started.executionArn);
    assert.equal(event?.detail.status, 'SUCCEEDED');
    assert.equal(event?.source, 'aws.states');
    assert.equal(event?.['detail-type'], 'Step Functions Execution Status Change');
  });

  it('treats the same name and input as the same execution while it runs, and anything else as a conflict', async () => {
    const input = JSON.stringify({ count: 1 });
    const first = await client.send(new StartExecutionCommand({ stateMachineArn: slowArn, name: 'same-name', input }));
    const again = await client.send(new StartExecutionCommand({ stateMachineArn: slowArn, name: 'same-name', input }));
    assert.equal(again.executionArn, first.executionArn);
    await assert.rejects(
      client.send(new StartExecutionCommand({ stateMachineArn: slowArn, name: 'same-name', input: JSON.stringify({ count: 2 }) })),
      ExecutionAlreadyExists,
    );
    releaseSlow?.();
    await endpoint.whenIdle();
    // Closed: the name stays taken, even with the same input (AWS keeps it for 90 days).
    await assert.rejects(client.send(new StartExecutionCommand({ stateMachineArn: slowArn, name: 'same-name', input })), ExecutionAlreadyExists);
  });

  it('stops a running execution, reports ABORTED and fires onExecutionEnded', async () => {
    const started = await client.send(new StartExecutionCommand({ stateMachineArn: slowArn, name: 'to-stop' }));
    const running = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    assert.equal(running.status, 'RUNNING');
    assert.equal(running.stopDate, undefined);

    const stopped = await client.send(new StopExecutionCommand({ executionArn: started.executionArn, error: 'UserCancelled', cause: 'cancelled from the API' }));
    assert.ok(stopped.stopDate instanceof Date);
    releaseSlow?.();
    await endpoint.whenIdle();

    const described = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    assert.equal(described.status, 'ABORTED');
    assert.equal(described.error, 'UserCancelled');
    assert.equal(described.cause, 'cancelled from the API');
    const events = ended.filter((event) => event.detail.executionArn === started.executionArn);
    assert.equal(events.length, 1, 'one event per end, even though the task finished later');
    assert.equal(events[0]?.detail.status, 'ABORTED');
    assert.equal(events[0]?.detail.name, 'to-stop');
    assert.equal(typeof events[0]?.detail.startDate, 'number');
  });

  it('fails on an uncaught error, keeping its name as the error, and fires onExecutionEnded', async () => {
    const started = await client.send(new StartExecutionCommand({ stateMachineArn: failingArn, name: 'explodes' }));
    await endpoint.whenIdle();
    const described = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    assert.equal(described.status, 'FAILED');
    assert.equal(described.error, 'VCenterUnreachable');
    assert.equal(described.cause, 'boom');
    const event = ended.find((candidate) => candidate.detail.executionArn === started.executionArn);
    assert.equal(event?.detail.status, 'FAILED');
    assert.equal(event?.detail.error, 'VCenterUnreachable');
  });

  it('lists executions newest first, by status, page by page', async () => {
    for (const name of ['list-a', 'list-b', 'list-c']) {
      await client.send(new StartExecutionCommand({ stateMachineArn: batchesArn, name, input: JSON.stringify({ count: 0 }) }));
    }
    await endpoint.whenIdle();
    const firstPage = await client.send(new ListExecutionsCommand({ stateMachineArn: batchesArn, maxResults: 2 }));
    assert.deepEqual(firstPage.executions?.map((execution) => execution.name), ['list-c', 'list-b']);
    assert.ok(firstPage.nextToken);
    const secondPage = await client.send(new ListExecutionsCommand({ stateMachineArn: batchesArn, maxResults: 2, nextToken: firstPage.nextToken }));
    assert.deepEqual(secondPage.executions?.map((execution) => execution.name), ['list-a', 'task-1']);
    assert.equal(secondPage.nextToken, undefined);

    const aborted = await client.send(new ListExecutionsCommand({ stateMachineArn: slowArn, statusFilter: 'ABORTED' }));
    assert.deepEqual(aborted.executions?.map((execution) => execution.name), ['to-stop']);
    assert.equal(aborted.executions?.[0]?.status, 'ABORTED');
    const running = await client.send(new ListExecutionsCommand({ stateMachineArn: slowArn, statusFilter: 'RUNNING' }));
    assert.deepEqual(running.executions, []);
  });

  it('answers unknown state machines and executions with the service errors', async () => {
    await assert.rejects(client.send(new StartExecutionCommand({ stateMachineArn: `${ARN_PREFIX}nope` })), StateMachineDoesNotExist);
    await assert.rejects(client.send(new DescribeExecutionCommand({ executionArn: `${batchesArn.replace(':stateMachine:', ':execution:')}:nope` })), ExecutionDoesNotExist);
    await assert.rejects(client.send(new StartExecutionCommand({ stateMachineArn: batchesArn, input: '{not json' })), { name: 'InvalidExecutionInput' });
  });

  it('binds lambda:invoke tasks to in-process handlers with the {Payload} shape, inside Map too', async () => {
    planShouldFail = false;
    const started = await client.send(new StartExecutionCommand({ stateMachineArn: lambdaArn, name: 'invoke-ok', input: JSON.stringify({ taskId: 't' }) }));
    await endpoint.whenIdle();
    const described = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    assert.equal(described.status, 'SUCCEEDED', described.cause);
    // Results are serialized like a real invocation: the Date arrives as a string.
    assert.deepEqual(JSON.parse(described.output ?? 'null'), [
      { done: 0, at: '1970-01-01T00:00:00.000Z' },
      { done: 1, at: '1970-01-01T00:00:00.000Z' },
      { done: 2, at: '1970-01-01T00:00:00.000Z' },
    ]);
  });

  it('surfaces a handler error under its name, so Catch routes it like a Lambda errorType', async () => {
    planShouldFail = true;
    const started = await client.send(new StartExecutionCommand({ stateMachineArn: lambdaArn, name: 'invoke-fails', input: JSON.stringify({ taskId: 't' }) }));
    await endpoint.whenIdle();
    const described = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    assert.equal(described.status, 'FAILED');
    assert.equal(described.error, 'SyncFailed');
    assert.equal(failTaskPayloads.length, 1);
    const caught = failTaskPayloads[0] as { Error: string; Cause: string };
    assert.equal(caught.Error, 'VCenterUnreachable');
    assert.deepEqual(JSON.parse(caught.Cause), { errorType: 'VCenterUnreachable', errorMessage: 'connect ETIMEDOUT 10.0.0.1:443' });
  });

  it('refuses a definition with a Task state that has no local handler', async () => {
    await assert.rejects(
      startStepFunctionsEndpoint({ workflows: [{ stateMachineArn: `${ARN_PREFIX}unbound`, definition: slowDefinition, taskHandlers: {} }] }),
      /no local handler for Task state\(s\) Slow/,
    );
  });
});
