import { apiHandler, HttpProblem, idPathSchema, notFound } from '#http';
import { platforms, requiredEnv, tasks } from '#stores';
import { sfnClient } from '#clients/sfn';
import { startPlatformSync } from '#shared/sync/start-sync.ts';

export const handler = apiHandler({ path: idPathSchema('platformId') }, async ({ path }) => {
  const result = await startPlatformSync(path.platformId, 'api', {
    tasks: tasks(),
    platforms: platforms(),
    sfn: sfnClient,
    stateMachineArn: requiredEnv('SYNC_STATE_MACHINE_ARN'),
  });
  switch (result.outcome) {
    case 'started':
      return { statusCode: 202, body: { taskId: result.taskId }, headers: { location: `/api/tasks/${result.taskId}` } };
    case 'platform-not-found':
      throw notFound('platform', path.platformId);
    case 'already-running':
      throw new HttpProblem(409, 'Conflict', `a sync of platform ${path.platformId} is already running`, {
        extra: { taskId: result.runningTaskId },
      });
  }
});
