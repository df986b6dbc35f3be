import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PlatformStore } from '#shared/store/platform-store.ts';
import { nextSyncAfter } from './schedule.ts';

export interface DispatchDeps {
  platforms: PlatformStore;
  sqs: SQSClient;
  queueUrl: string;
}

/**
 * Queues one sync request per platform whose schedule is due. The schedule is
 * advanced with a conditional write first, so overlapping dispatcher runs
 * never queue the same slot twice.
 */
export async function dispatchDueSyncs(now: Date, deps: DispatchDeps): Promise<string[]> {
  const queued: string[] = [];
  for (const platform of await deps.platforms.listDue(now.toISOString())) {
    if (!platform.schedule || !platform.nextSyncAt) continue;
    const claimed = await deps.platforms.advanceSchedule(platform.id, platform.nextSyncAt, nextSyncAfter(now, platform.schedule.everyMinutes));
    if (!claimed) continue;
    await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.queueUrl, MessageBody: JSON.stringify({ platformId: platform.id }) }));
    queued.push(platform.id);
  }
  return queued;
}
