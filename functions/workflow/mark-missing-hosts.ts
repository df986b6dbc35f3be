import { z } from 'zod';
import { logger } from '#powertools';
import { hosts, platforms, tasks } from '#stores';
import { finishSync } from '#shared/sync/finish-sync.ts';
import { workflowHandler } from '#commons/workflow-handler.ts';

const inputSchema = z.object({ taskId: z.string().min(1), platformId: z.string().min(1) });

export const handler = workflowHandler(inputSchema, async ({ taskId, platformId }) => {
  const result = await finishSync(taskId, platformId, { tasks: tasks(), hosts: hosts(), platforms: platforms() });
  logger.info('sync finished', { taskId, platformId, ...result });
  return result;
});
