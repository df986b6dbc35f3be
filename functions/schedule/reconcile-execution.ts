import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { logger } from '#powertools';
import { platforms, tasks } from '#stores';
import { abandonSync } from '#shared/sync/finish-sync.ts';
import { describeStepFunctionsError } from '#shared/sync/describe-error.ts';

interface ExecutionStatusChange {
  executionArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  error?: string | null;
  cause?: string | null;
}

/**
 * The workflow finishes its own task on every path it controls; this catches
 * the ones it does not (stopped from the console, timed out, a crash before
 * FailTask) so no task stays "running" and no platform stays locked.
 */
export const handler = middy<EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange>>().handler(async (event) => {
  const { name: taskId, status, error, cause } = event.detail;
  if (status === 'RUNNING' || status === 'SUCCEEDED') return { reconciled: false };
  const outcome = status === 'ABORTED' ? 'cancelled' : 'failed';
  const message = status === 'ABORTED' ? 'the execution was stopped' : describeStepFunctionsError(error ?? `execution ${status}`, cause ?? undefined);
  await abandonSync(taskId, outcome, message, { tasks: tasks(), platforms: platforms() });
  logger.info('execution reconciled', { taskId, status, outcome });
  return { reconciled: true };
});
