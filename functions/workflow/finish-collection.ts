import { z } from 'zod';
import { logger } from '#powertools';
import { tasks } from '#stores';
import { finishCollection } from '#shared/collection/finish-collection.ts';
import { workflowHandler } from '#commons/workflow-handler.ts';

const inputSchema = z.object({ taskId: z.string().min(1) });

export const handler = workflowHandler(inputSchema, async ({ taskId }) => {
  const status = await finishCollection(taskId, tasks());
  logger.info('collection finished', { taskId, status });
  return { taskId, status };
});
