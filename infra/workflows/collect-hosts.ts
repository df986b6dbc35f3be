/**
 * The collect-hosts state machine, shaped exactly as docs/workflows.md says:
 *
 *   CollectBatches (Map over $.batches, at most 5 at a time:
 *     ChooseCollector -> kind = "platform": CollectPlatformBatch
 *                     -> otherwise:        CollectRemoteBatch)
 *   -> FinishCollection
 *   any failure -> FailCollection -> CollectionFailed
 *
 * The execution input lists batch descriptors only ({batchIndex, kind}); the
 * batch members stay in DynamoDB, written by the API handler that starts the
 * execution. Same local-runner constraints as platform-sync (see lambda-steps.ts).
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CATCH_ALL, invokeLambda, workflowStateMachine } from './lambda-steps.ts';

/** State names, as a person reads them in the console (and the local runner binds handlers by). */
export const CollectHostsStates = {
  map: 'CollectBatches',
  choose: 'ChooseCollector',
  platformBatch: 'CollectPlatformBatch',
  remoteBatch: 'CollectRemoteBatch',
  finish: 'FinishCollection',
  fail: 'FailCollection',
  failed: 'CollectionFailed',
} as const;

/** Batches collected at once; a remote batch itself collects its hosts a few at a time (COLLECT_CONCURRENCY). */
export const COLLECT_MAX_CONCURRENCY = 5;

export interface CollectHostsFunctions {
  collectPlatformBatch: lambda.IFunction;
  collectRemoteBatch: lambda.IFunction;
  finishCollection: lambda.IFunction;
  failTask: lambda.IFunction;
}

export interface CollectHostsWorkflowProps {
  functions: CollectHostsFunctions;
  stateMachineName?: string;
  logRetention: logs.RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

const taskId = sfn.JsonPath.stringAt('$.taskId');

export class CollectHostsWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: CollectHostsWorkflowProps) {
    super(scope, id);
    const { functions: fns } = props;
    const S = CollectHostsStates;

    const failed = new sfn.Fail(this, S.failed, {
      comment: 'The task row already records the error (FailCollection)',
      errorPath: '$.error.Error',
      cause: 'Host collection failed; the task row holds the error',
    });
    const failCollection = invokeLambda(
      this,
      S.fail,
      fns.failTask,
      // No platformId: a collection task may span several platforms and plain servers.
      { taskId, error: sfn.JsonPath.objectAt('$.error') },
      { resultPath: sfn.JsonPath.DISCARD },
    ).next(failed);

    const batchPayload = { taskId, batchIndex: sfn.JsonPath.numberAt('$.batchIndex') };
    // Each iteration yields only its batch index, never the handler's result.
    const batchResult = { resultPath: sfn.JsonPath.DISCARD, outputPath: '$.batchIndex' };
    const platformBatch = invokeLambda(this, S.platformBatch, fns.collectPlatformBatch, batchPayload, batchResult);
    const remoteBatch = invokeLambda(this, S.remoteBatch, fns.collectRemoteBatch, batchPayload, batchResult);
    const choose = new sfn.Choice(this, S.choose)
      .when(sfn.Condition.stringEquals('$.kind', 'platform'), platformBatch)
      .otherwise(remoteBatch);

    const collect = new sfn.Map(this, S.map, {
      itemsPath: '$.batches',
      itemSelector: {
        taskId,
        batchIndex: sfn.JsonPath.numberAt('$$.Map.Item.Value.batchIndex'),
        kind: sfn.JsonPath.stringAt('$$.Map.Item.Value.kind'),
      },
      maxConcurrency: COLLECT_MAX_CONCURRENCY,
      // Inline Map results count against the 256 KB state limit: drop them.
      resultPath: sfn.JsonPath.DISCARD,
    });
    collect.itemProcessor(choose);
    collect.addCatch(failCollection, CATCH_ALL);

    // The execution's output is the handler's summary of the finished collection.
    const finish = invokeLambda(this, S.finish, fns.finishCollection, { taskId }, { outputPath: '$.Payload' }).addCatch(failCollection, CATCH_ALL);

    const { stateMachine, logGroup } = workflowStateMachine(this, {
      workflowName: 'collect-hosts',
      ...(props.stateMachineName ? { stateMachineName: props.stateMachineName } : {}),
      comment: 'Host collection: collect vCenter and remote batches, a few at a time, then finish the task',
      definition: collect.next(finish),
      timeout: Duration.hours(2),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    this.stateMachine = stateMachine;
    this.logGroup = logGroup;
  }
}
