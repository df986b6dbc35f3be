import { z } from 'zod';
import { logger } from '#powertools';
import { platforms, tasks } from '#stores';
import { planSync } from '#shared/sync/plan-sync.ts';
import { connectPlatform } from '#commons/connect-platform.ts';
import { workflowHandler } from '#commons/workflow-handler.ts';

const inputSchema = z.object({ taskId: z.string().min(1), platformId: z.string().min(1) });
const batchSize = Number(process.env['SYNC_BATCH_SIZE'] ?? 250);
const maxConcurrency = Number(process.env['SYNC_MAX_CONCURRENCY'] ?? 8);

export const handler = workflowHandler(inputSchema, async ({ taskId, platformId }) => {
  const platform = await platforms().get(platformId);
  if (!platform) throw new Error(`platform ${platformId} no longer exists`);
  const plan = await planSync(taskId, platform, { tasks: tasks(), connect: connectPlatform, batchSize, maxConcurrency });
  logger.info('sync planned', { taskId, platformId, esxiBatches: plan.esxiBatches.length, vmBatches: plan.vmBatches.length });
  return plan;
});
