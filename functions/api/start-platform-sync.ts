import { z } from 'zod';
import { apiHandler, HttpProblem, idPathSchema, notFound } from '#http';
import { platforms, requiredEnv, tasks } from '#stores';
import { sfnClient } from '#clients/sfn';
import { startPlatformSync } from '#shared/sync/start-sync.ts';

const idempotencyKeySchema = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

export const handler = apiHandler({ path: idPathSchema('platformId') }, async ({ path, headers }) => {
  const rawKey = headers['idempotency-key'];
  const key = rawKey === undefined ? undefined : idempotencyKeySchema.safeParse(rawKey);
  if (key && !key.success) {
    throw new HttpProblem(400, 'Bad Request', 'the Idempotency-Key header is malformed', {
      errors: [{ path: 'headers.idempotency-key', message: key.error.issues[0]?.message ?? 'invalid' }],
    });
  }
  const result = await startPlatformSync(
    { platformId: path.platformId, trigger: 'api', ...(key ? { idempotencyKey: key.data } : {}) },
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
