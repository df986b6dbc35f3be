/**
 * The platform-sync state machine, shaped exactly as docs/workflows.md says:
 *
 *   PlanBatches -> SyncEsxiHostBatches (Map: SyncEsxiHostBatch)
 *               -> SyncVmBatches (Map: SyncVmBatch) -> MarkMissingHosts
 *   any failure -> FailTask -> SyncFailed
 *
 * Constraints from the local runner (aws-local-stepfunctions), which executes
 * this very definition: inline Map over batch indexes only (no distributed
 * Map, no ItemReader), JSONPath only (no JSONata), every Task a
 * `lambda:invoke` whose result is `{Payload}`.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CATCH_ALL, invokeLambda as invoke, workflowStateMachine } from './lambda-steps.ts';

export { RETRIED_LAMBDA_ERRORS } from './lambda-steps.ts';

/** State names, as a person reads them in the console (and the local runner binds handlers by). */
export const PlatformSyncStates = {
  plan: 'PlanBatches',
  esxiMap: 'SyncEsxiHostBatches',
  esxiBatch: 'SyncEsxiHostBatch',
  vmMap: 'SyncVmBatches',
  vmBatch: 'SyncVmBatch',
  markMissing: 'MarkMissingHosts',
  failTask: 'FailTask',
  failed: 'SyncFailed',
} as const;

/** Where the Maps read their concurrency: PlanBatches returns it (env SYNC_MAX_CONCURRENCY), so it is tuned without a deploy. */
export const MAX_CONCURRENCY_PATH = '$.plan.maxConcurrency';

export interface PlatformSyncFunctions {
  planSyncBatches: lambda.IFunction;
  syncBatch: lambda.IFunction;
  markMissingHosts: lambda.IFunction;
  failTask: lambda.IFunction;
}

export interface PlatformSyncWorkflowProps {
  functions: PlatformSyncFunctions;
  stateMachineName?: string;
  logRetention: logs.RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

const ids = {
  taskId: sfn.JsonPath.stringAt('$.taskId'),
  platformId: sfn.JsonPath.stringAt('$.platformId'),
};

export class PlatformSyncWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PlatformSyncWorkflowProps) {
    super(scope, id);
    const { functions: fns } = props;
    const S = PlatformSyncStates;

    const failed = new sfn.Fail(this, S.failed, {
      comment: 'The task row already records the error (FailTask)',
      errorPath: '$.error.Error',
      cause: 'Platform sync failed; the task row holds the error',
    });
    const failTask = invoke(
      this,
      S.failTask,
      fns.failTask,
      { ...ids, error: sfn.JsonPath.objectAt('$.error') },
      { resultPath: sfn.JsonPath.DISCARD },
    ).next(failed);
    const onError = CATCH_ALL;

    const plan = invoke(this, S.plan, fns.planSyncBatches, ids, {
      // Batch indexes only; the member lists stay in DynamoDB.
      resultSelector: {
        esxiBatches: sfn.JsonPath.listAt('$.Payload.esxiBatches'),
        vmBatches: sfn.JsonPath.listAt('$.Payload.vmBatches'),
        maxConcurrency: sfn.JsonPath.numberAt('$.Payload.maxConcurrency'),
      },
      resultPath: '$.plan',
    }).addCatch(failTask, onError);

    const batchMap = (mapName: string, taskName: string, kind: 'esxi' | 'vm', itemsPath: string): sfn.Map => {
      const map = new sfn.Map(this, mapName, {
        itemsPath,
        itemSelector: {
          ...ids,
          kind,
          batchIndex: sfn.JsonPath.numberAt('$$.Map.Item.Value'),
        },
        maxConcurrencyPath: MAX_CONCURRENCY_PATH,
        // Inline Map results count against the 256 KB state limit: drop them.
        resultPath: sfn.JsonPath.DISCARD,
      });
      map.itemProcessor(
        invoke(
          this,
          taskName,
          fns.syncBatch,
          {
            ...ids,
            kind: sfn.JsonPath.stringAt('$.kind'),
            batchIndex: sfn.JsonPath.numberAt('$.batchIndex'),
          },
          // Each iteration yields only its batch index, never the handler's result.
          { resultPath: sfn.JsonPath.DISCARD, outputPath: '$.batchIndex' },
        ),
      );
      return map.addCatch(failTask, onError);
    };

    // ESXi hosts first, so every VM's esxiHostId resolves.
    const esxi = batchMap(S.esxiMap, S.esxiBatch, 'esxi', '$.plan.esxiBatches');
    const vms = batchMap(S.vmMap, S.vmBatch, 'vm', '$.plan.vmBatches');
    // The execution's output is the handler's summary of the finished sync.
    const markMissing = invoke(this, S.markMissing, fns.markMissingHosts, ids, { outputPath: '$.Payload' }).addCatch(failTask, onError);

    const { stateMachine, logGroup } = workflowStateMachine(this, {
      workflowName: 'platform-sync',
      ...(props.stateMachineName ? { stateMachineName: props.stateMachineName } : {}),
      comment: 'Platform sync: plan batches, sync ESXi hosts then VMs batch by batch, mark missing hosts',
      definition: plan.next(esxi).next(vms).next(markMissing),
      timeout: Duration.hours(2),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    this.stateMachine = stateMachine;
    this.logGroup = logGroup;
  }
}
