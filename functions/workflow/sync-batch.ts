import { z } from 'zod';
import { logger } from '#powertools';
import { hosts, platforms, tasks } from '#stores';
import { syncBatch } from '#shared/sync/sync-batch.ts';
import { connectPlatform } from '#commons/connect-platform.ts';
import { workflowHandler } from '#commons/workflow-handler.ts';

const inputSchema = z.object({
  taskId: z.string().min(1),
  platformId: z.string().min(1),
  kind: z.enum(['esxi', 'vm']),
  batchIndex: z.number().int().min(0),
});

export const handler = workflowHandler(inputSchema, async ({ taskId, platformId, kind, batchIndex }) => {
  const platform = await platforms().get(platformId);
  if (!platform) throw new Error(`platform ${platformId} no longer exists`);
  const result = await syncBatch({ taskId, platform, kind, batchIndex }, { tasks: tasks(), hosts: hosts(), connect: connectPlatform });
  logger.info('batch synced', { taskId, kind, batchIndex, ...result.counters, hostWriteRequests: result.hostWrites, counted: result.counted, ...result.timings });
  // Kept tiny: Map results count against the 256 KB state payload limit.
  return { processed: result.counters.processed };
});
