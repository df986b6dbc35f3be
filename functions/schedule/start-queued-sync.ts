import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { logger } from '#powertools';
import { platforms, requiredEnv, tasks } from '#stores';
import { sfnClient } from '#clients/sfn';
import { startPlatformSync } from '#shared/sync/start-sync.ts';

const messageSchema = z.object({ platformId: z.string().min(1) });

/** A request for a platform that is already syncing or gone is done, not retried. */
export const handler = middy<SQSEvent, SQSBatchResponse>().handler(async (event) => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const { platformId } = messageSchema.parse(JSON.parse(record.body));
      // The message id makes a redelivered message start nothing new.
      const result = await startPlatformSync({ platformId, trigger: 'schedule', idempotencyKey: record.messageId }, {
        tasks: tasks(),
        platforms: platforms(),
        sfn: sfnClient,
        stateMachineArn: requiredEnv('SYNC_STATE_MACHINE_ARN'),
      });
      logger.info('scheduled sync request handled', { platformId, ...result });
    } catch (error) {
      if (error instanceof SyntaxError || error instanceof z.ZodError) {
        logger.error('malformed sync request dropped', { messageId: record.messageId });
        continue;
      }
      logger.error('scheduled sync could not start', { messageId: record.messageId, error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
});
