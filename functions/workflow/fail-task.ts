import { z } from 'zod';
import { logger } from '#powertools';
import { platforms, tasks } from '#stores';
import { abandonSync } from '#shared/sync/finish-sync.ts';
import { describeStepFunctionsError } from '#shared/sync/describe-error.ts';
import { workflowHandler } from '#commons/workflow-handler.ts';

const inputSchema = z.object({
  taskId: z.string().min(1),
  // Absent for collection tasks, which hold no platform lock.
  platformId: z.string().min(1).optional(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});

export const handler = workflowHandler(inputSchema, async ({ taskId, error }) => {
  const message = describeStepFunctionsError(error?.Error, error?.Cause);
  logger.warn('sync failed', { taskId, error: message });
  await abandonSync(taskId, 'failed', message, { tasks: tasks(), platforms: platforms() });
  return { taskId };
});
