/**
 * What starts and watches syncs besides the API: the once-a-minute schedule
 * that runs the dispatcher, the queue the starter consumes, and the rule that
 * hands executions which ended outside the workflow (failed without FailTask,
 * timed out, stopped in the console) to the reconciler, for every state machine
 * that runs a task (platform-sync, collect-hosts): the execution name is the task id.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export const RECONCILED_EXECUTION_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

export interface SyncTriggersProps {
  dispatcher: lambda.IFunction;
  starter: lambda.Function;
  reconciler: lambda.IFunction;
  queue: sqs.IQueue;
  /** State machines whose executions are named after their task (platform-sync, collect-hosts). */
  stateMachines: readonly sfn.IStateMachine[];
}

export class SyncTriggers extends Construct {
  readonly schedule: events.Rule;
  readonly executionEnded: events.Rule;

  constructor(scope: Construct, id: string, props: SyncTriggersProps) {
    super(scope, id);
    this.schedule = new events.Rule(this, 'EveryMinute', {
      description: 'Queue the platform syncs whose schedule is due',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      // A missed tick is covered by the next one; stale ticks are useless.
      targets: [new targets.LambdaFunction(props.dispatcher, { retryAttempts: 2, maxEventAge: Duration.minutes(2) })],
    });

    props.starter.addEventSource(
      new SqsEventSource(props.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    this.executionEnded = new events.Rule(this, 'SyncExecutionEnded', {
      description: 'Reconcile task rows of platform-sync and collect-hosts executions that failed, timed out or were stopped',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: [...RECONCILED_EXECUTION_STATUSES],
          stateMachineArn: props.stateMachines.map((stateMachine) => stateMachine.stateMachineArn),
        },
      },
      targets: [new targets.LambdaFunction(props.reconciler, { retryAttempts: 8, maxEventAge: Duration.hours(6) })],
    });
  }
}
