/**
 * Building blocks shared by the state machines (platform-sync, collect-hosts):
 * a `lambda:invoke` Task with the explicit Lambda retry policy, the catch-all
 * that routes into a failure step, and a Standard state machine with its
 * vended-logs log group, logs at level ALL and X-Ray tracing.
 *
 * Constraints from the local runner (aws-local-stepfunctions), which executes
 * these very definitions: inline Map only (no distributed Map, no ItemReader),
 * JSONPath only (no JSONata), every Task a `lambda:invoke` whose result is `{Payload}`.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/** Lambda errors worth retrying: throttling and service-side faults, never handler errors. */
export const RETRIED_LAMBDA_ERRORS = [
  'Lambda.TooManyRequestsException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
];

/** Every Task and Map catches everything into `$.error` (then the workflow's failure step). */
export const CATCH_ALL: sfn.CatchProps = { errors: [sfn.Errors.ALL], resultPath: '$.error' };

/** A `lambda:invoke` Task whose Payload is `payload`, retrying Lambda throttling and service errors with backoff. */
export function invokeLambda(
  scope: Construct,
  name: string,
  fn: lambda.IFunction,
  payload: Record<string, unknown>,
  extra: Partial<tasks.LambdaInvokeProps> = {},
): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, name, {
    lambdaFunction: fn,
    payload: sfn.TaskInput.fromObject(payload),
    // The CDK default retry misses Lambda.TooManyRequestsException, which a
    // fan-out of batch invocations is the first to hit: retry explicitly.
    retryOnServiceExceptions: false,
    ...extra,
  });
  task.addRetry({
    errors: RETRIED_LAMBDA_ERRORS,
    interval: Duration.seconds(2),
    maxAttempts: 6,
    backoffRate: 2,
  });
  return task;
}

export interface WorkflowStateMachineProps {
  /** Default name of the log group when stateMachineName is not set. */
  workflowName: string;
  stateMachineName?: string;
  comment: string;
  definition: sfn.IChainable;
  timeout: Duration;
  logRetention: logs.RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

/** A Standard state machine with tracing and logs at level ALL in its own vended-logs log group. */
export function workflowStateMachine(scope: Construct, props: WorkflowStateMachineProps): { stateMachine: sfn.StateMachine; logGroup: logs.LogGroup } {
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    // The vended-logs prefix keeps CloudWatch's resource policy small.
    logGroupName: `/aws/vendedlogs/states/${props.stateMachineName ?? props.workflowName}`,
    retention: props.logRetention,
    removalPolicy: props.logRemovalPolicy,
  });
  const stateMachine = new sfn.StateMachine(scope, 'StateMachine', {
    ...(props.stateMachineName ? { stateMachineName: props.stateMachineName } : {}),
    comment: props.comment,
    stateMachineType: sfn.StateMachineType.STANDARD,
    definitionBody: sfn.DefinitionBody.fromChainable(props.definition),
    timeout: props.timeout,
    tracingEnabled: true,
    logs: {
      destination: logGroup,
      level: sfn.LogLevel.ALL,
      // State input and output carry ids and counters only, never credentials
      // (handlers read secrets themselves), so execution data is safe to log
      // and is what makes a failed run debuggable from the console.
      includeExecutionData: true,
    },
  });
  return { stateMachine, logGroup };
}
