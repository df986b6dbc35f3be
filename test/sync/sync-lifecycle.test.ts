/**
 * The paths around a sync: the EventBridge schedule -> dispatcher -> SQS ->
 * starter chain, an Idempotency-Key on the sync request, and an execution
 * stopped from outside (the console) reconciled into a cancelled task.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { startVcsim, type VcsimInstance } from '#local/vcsim.ts';
import { startTestStack, type TaskSnapshot, type TestStack } from '#test/support/local-stack.ts';

let env: TestStack;
let vcsim: VcsimInstance;

before(async () => {
  env = await startTestStack({ SYNC_BATCH_SIZE: '5' });
  vcsim = await startVcsim({ hosts: 2, clusters: 0, vms: 40 });
});

after(async () => {
  await env?.stop();
  await vcsim?.stop();
});


test('a due schedule starts a sync through the queue, with trigger "schedule"', async () => {
  const platformId = await env.registerPlatform(vcsim, { schedule: { everyMinutes: 5 } });
  const { platforms } = await import('#stores');
  // Make the schedule due now instead of in five minutes.
  await platforms().update(platformId, { nextSyncAt: new Date(Date.now() - 1000).toISOString() });

  await env.stack.runScheduleNow();
  let task: TaskSnapshot & { trigger?: string; platformId?: string } | undefined;
  for (let i = 0; i < 100 && !task; i++) {
    const { body } = await env.api<{ items: Array<TaskSnapshot & { trigger: string; platformId: string }> }>('GET', '/tasks?type=platform_sync&limit=50');
    task = body.items.find((item) => item.platformId === platformId);
    if (!task) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(task, 'a task was started from the queue');
  assert.equal(task.trigger, 'schedule');
  assert.equal((await env.waitForTask(task.id)).at(-1)?.status, 'succeeded');

  const { body: platform } = await env.api<{ schedule: { everyMinutes: number } }>('GET', `/virtualization/${platformId}`);
  assert.deepEqual(platform.schedule, { everyMinutes: 5 });
  const stored = await platforms().get(platformId);
  assert.ok(stored?.nextSyncAt && Date.parse(stored.nextSyncAt) > Date.now() + 4 * 60_000, 'the next run moved five minutes ahead');

  await env.stack.runScheduleNow();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const { body } = await env.api<{ items: Array<{ platformId: string }> }>('GET', '/tasks?limit=100');
  assert.equal(body.items.filter((item) => item.platformId === platformId).length, 1, 'nothing new is due yet');
});

test('the same Idempotency-Key returns the same task and starts nothing new', async () => {
  const platformId = await env.registerPlatform(vcsim);
  const headers = { 'idempotency-key': `key-${platformId}` };
  const first = await env.api<{ taskId: string }>('POST', `/virtualization/${platformId}/sync`, undefined, headers);
  const again = await env.api<{ taskId: string }>('POST', `/virtualization/${platformId}/sync`, undefined, headers);
  assert.equal(first.status, 202);
  assert.equal(again.status, 202);
  assert.equal(again.body.taskId, first.body.taskId);
  await env.waitForTask(first.body.taskId);
  const afterwards = await env.api<{ taskId: string }>('POST', `/virtualization/${platformId}/sync`, undefined, headers);
  assert.equal(afterwards.body.taskId, first.body.taskId, 'still the same task once it finished');
  const { body } = await env.api<{ items: Array<{ platformId: string }> }>('GET', '/tasks?limit=100');
  assert.equal(body.items.filter((item) => item.platformId === platformId).length, 1);
});

test('an execution stopped from outside ends the task cancelled and releases the platform', async () => {
  const platformId = await env.registerPlatform(vcsim);
  const { body: started } = await env.api<{ taskId: string }>('POST', `/virtualization/${platformId}/sync`);
  const { body: task } = await env.api<{ executionArn?: string }>('GET', `/tasks/${started.taskId}`);
  assert.ok(task.executionArn);
  const sfn = new SFNClient({});
  await sfn.send(new StopExecutionCommand({ executionArn: task.executionArn }));
  sfn.destroy();

  const final = (await env.waitForTask(started.taskId)).at(-1)!;
  // Stopped while it logs in and plans 80 VMs in batches of 5: it cannot have finished yet.
  assert.equal(final.status, 'cancelled');
  assert.match(final.error ?? '', /stopped/);
  assert.equal(final.progress.percent, 100, 'a finished task, whatever its status, is at 100 %');
  const { body: platform } = await env.api<{ activeSyncTaskId?: string }>('GET', `/virtualization/${platformId}`);
  assert.equal(platform.activeSyncTaskId, undefined);
  const next = await env.api<{ taskId: string }>('POST', `/virtualization/${platformId}/sync`);
  assert.equal(next.status, 202, 'a new sync can start');
  await env.waitForTask(next.body.taskId);
});
