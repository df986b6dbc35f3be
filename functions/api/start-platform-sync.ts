import { apiHandler, HttpProblem, idPathSchema, notFound } from '#http';
import { platforms, requiredEnv, tasks } from '#stores';
import { sfnClient } from '#clients/sfn';
import { startPlatformSync } from '#shared/sync/start-sync.ts';
import { idempotencyKeyOf } from '#commons/http/idempotency-key.ts';

export const handler = apiHandler({ path: idPathSchema('platformId') }, async ({ path, headers }) => {
  const key = idempotencyKeyOf(headers);
  const result = await startPlatformSync(
    { platformId: path.platformId, trigger: 'api', ...(key ? { idempotencyKey: key } : {}) },
    { tasks: tasks(), platforms: platforms(), sfn: sfnClient, stateMachineArn: requiredEnv('SYNC_STATE_MACHINE_ARN') },
  );
  switch (result.outcome) {
    case 'started':
    case 'duplicate-request':
      return { statusCode: 202, body: { taskId: result.taskId }, headers: { location: `/api/tasks/${result.taskId}` } };
    case 'platform-not-found':
      throw notFound('platform', path.platformId);
    case 'already-running':
      throw new HttpProblem(409, 'Conflict', `a sync of platform ${path.platformId} is already running`, {
        extra: { taskId: result.runningTaskId },
      });
  }
});
