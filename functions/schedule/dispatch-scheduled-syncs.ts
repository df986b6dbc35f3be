import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '#powertools';
import { platforms, requiredEnv } from '#stores';
import { sqsClient } from '#clients/sqs';
import { dispatchDueSyncs } from '#shared/sync/dispatch-due-syncs.ts';

export const handler = middy<ScheduledEvent>().handler(async (event) => {
  const queued = await dispatchDueSyncs(new Date(event.time ?? Date.now()), {
    platforms: platforms(),
    sqs: sqsClient,
    queueUrl: requiredEnv('SYNC_REQUESTS_QUEUE_URL'),
  });
  logger.info('scheduled syncs queued', { count: queued.length, platformIds: queued });
  return { queued: queued.length };
});
