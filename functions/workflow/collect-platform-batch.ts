import { z } from 'zod';
import { logger } from '#powertools';
import { hosts, platforms, tasks } from '#stores';
import { collectPlatformBatch } from '#shared/collection/collect-platform-batch.ts';
import { connectPlatform } from '#commons/connect-platform.ts';
import { workflowHandler } from '#commons/workflow-handler.ts';

const inputSchema = z.object({ taskId: z.string().min(1), batchIndex: z.number().int().min(0) });

export const handler = workflowHandler(inputSchema, async ({ taskId, batchIndex }) => {
  const counters = await collectPlatformBatch(taskId, batchIndex, { tasks: tasks(), hosts: hosts(), platforms: platforms(), connect: connectPlatform });
  logger.info('platform batch collected', { taskId, batchIndex, ...counters });
  return { processed: counters.processed };
});
