/**
 * Platform sync end to end on real components: vcsim as the vCenter, DynamoDB
 * Local, the Step Functions endpoint running the CDK-synthesized ASL, and the
 * HTTP API. Ground truth is read from vcsim with govmomi (vcsimTool), not
 * with our own client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startVcsim, vcsimTool, type VcsimInstance } from '#local/vcsim.ts';
import { startTestStack, type TaskSnapshot, type TestStack } from '#test/support/local-stack.ts';

interface VmTruth {
  moref: string;
  name: string;
  instanceUuid: string;
  powerState: string;
  numCPU: number;
  memoryMB: number;
  guestFullName: string;
  hostMoref: string;
}
interface HostTruth {
  moref: string;
  name: string;
  hardwareUuid: string;
  numCpuThreads: number;
  memorySize: number;
}
interface HostView {
  id: string;
  kind: string;
  name: string;
  moref: string;
  instanceUuid: string;
  status: string;
  powerState: string;
  cpuCount: number;
  memoryMb: number;
  osName?: string;
  esxiHostId?: string;
  lastTaskId: string;
  facts: Record<string, unknown>;
}

let env: TestStack;
let vcsim: VcsimInstance;

async function truth(): Promise<{ vms: VmTruth[]; hosts: HostTruth[] }> {
  return JSON.parse(await vcsimTool(['inventory', '-u', vcsim.toolUrl, '-k'])) as { vms: VmTruth[]; hosts: HostTruth[] };
}


async function sync(platformId: string): Promise<{ taskId: string; snapshots: TaskSnapshot[]; final: TaskSnapshot }> {
  const { status, body } = await env.api<{ taskId: string }>('POST', `/virtualization/${platformId}/sync`);
  assert.equal(status, 202, JSON.stringify(body));
  const snapshots = await env.waitForTask(body.taskId, { intervalMs: 50 });
  return { taskId: body.taskId, snapshots, final: snapshots.at(-1)! };
}

async function platformHosts(platformId: string): Promise<HostView[]> {
  const all: HostView[] = [];
  let cursor: string | undefined;
  do {
    const { body } = await env.api<{ items: HostView[]; nextCursor?: string }>(
      'GET',
      `/hosts?platformId=${platformId}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    all.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return all;
}

before(async () => {
  // Small batches so even this small inventory spans several Map iterations.
  env = await startTestStack({ SYNC_BATCH_SIZE: '4' });
  vcsim = await startVcsim({ hosts: 2, clusters: 1, clusterHosts: 2, vms: 5 });
});

after(async () => {
  await env?.stop();
  await vcsim?.stop();
});

describe('platform sync', () => {
  let platformId: string;
  let firstTaskId: string;

  test('a full sync stores every ESXi host and VM exactly as vcsim reports them', async () => {
    platformId = await env.registerPlatform(vcsim);
    const { taskId, snapshots, final } = await sync(platformId);
    firstTaskId = taskId;
    const expected = await truth();
    assert.equal(final.status, 'succeeded', JSON.stringify(final));
    assert.equal(final.progress.total, expected.vms.length + expected.hosts.length);
    assert.equal(final.progress.processed, final.progress.total);
    assert.equal(final.progress.percent, 100);
    assert.equal(final.counts.created, final.progress.total);

    const percents = snapshots.map((snapshot) => snapshot.progress.percent);
    assert.deepEqual(percents, [...percents].sort((a, b) => a - b), 'percent never goes down');
    for (const snapshot of snapshots) assert.equal(snapshot.progress.processed, snapshot.progress.succeeded + snapshot.progress.failed);

    const stored = await platformHosts(platformId);
    const byMoref = new Map(stored.map((host) => [host.moref, host]));
    for (const host of expected.hosts) {
      const record = byMoref.get(host.moref);
      assert.ok(record, `ESXi host ${host.moref} stored`);
      assert.equal(record.kind, 'esxi');
      assert.equal(record.name, host.name);
      assert.equal(record.instanceUuid, host.hardwareUuid);
      assert.equal(record.cpuCount, host.numCpuThreads);
      assert.equal(record.memoryMb, Math.round(host.memorySize / 1024 / 1024));
    }
    const esxiIdByMoref = new Map(stored.filter((host) => host.kind === 'esxi').map((host) => [host.moref, host.id]));
    for (const vm of expected.vms) {
      const record = byMoref.get(vm.moref);
      assert.ok(record, `VM ${vm.moref} stored`);
      assert.equal(record.kind, 'vm');
      assert.equal(record.name, vm.name);
      assert.equal(record.instanceUuid, vm.instanceUuid);
      assert.equal(record.powerState, vm.powerState);
      assert.equal(record.cpuCount, vm.numCPU);
      assert.equal(record.memoryMb, vm.memoryMB);
      assert.equal(record.osName ?? '', vm.guestFullName);
      assert.equal(record.esxiHostId, esxiIdByMoref.get(vm.hostMoref), `VM ${vm.moref} points at its ESXi host record`);
      assert.equal(record.status, 'active');
    }
    assert.equal(stored.length, expected.vms.length + expected.hosts.length);
  });

  test('a second sync with nothing changed writes no host', async () => {
    const { taskId, final } = await sync(platformId);
    assert.equal(final.status, 'succeeded');
    assert.equal(final.counts.created, 0);
    assert.equal(final.counts.updated, 0);
    assert.equal(final.counts.unchanged, final.progress.total);
    const stored = await platformHosts(platformId);
    assert.ok(stored.every((host) => host.lastTaskId === firstTaskId), 'every host still carries the first sync as its last write');
    assert.ok(!stored.some((host) => host.lastTaskId === taskId));
  });

  test('a VM whose memory changed is updated, a destroyed VM ends missing', async () => {
    const { vms } = await truth();
    const [resized, destroyed] = vms;
    assert.ok(resized && destroyed);
    await vcsimTool(['vm-memory', '-u', vcsim.toolUrl, '-k', '-vm', resized.moref, '-mb', String(resized.memoryMB + 1024)]);
    await vcsimTool(['vm-destroy', '-u', vcsim.toolUrl, '-k', '-vm', destroyed.moref]);

    const { final } = await sync(platformId);
    assert.equal(final.status, 'succeeded');
    assert.equal(final.counts.updated, 1);
    assert.equal(final.counts.missing, 1);
    const stored = new Map((await platformHosts(platformId)).map((host) => [host.moref, host]));
    assert.equal(stored.get(resized.moref)?.memoryMb, resized.memoryMB + 1024);
    assert.equal(stored.get(destroyed.moref)?.status, 'missing', 'kept, not deleted');
  });

  test('a platform host deleted by hand comes back at the next sync', async () => {
    const [victim] = (await platformHosts(platformId)).filter((host) => host.kind === 'vm' && host.status === 'active');
    assert.ok(victim);
    assert.equal((await env.api('DELETE', `/hosts/${victim.id}`)).status, 204);
    const { final } = await sync(platformId);
    assert.equal(final.status, 'succeeded');
    assert.equal(final.counts.created, 1);
    const back = (await platformHosts(platformId)).find((host) => host.id === victim.id);
    assert.equal(back?.status, 'active', 'same id, re-created from vCenter');
  });

  test('a batch run twice counts once', async () => {
    const { handler } = await import('#functions/workflow/sync-batch.ts');
    const before = (await env.api<TaskSnapshot>('GET', `/tasks/${firstTaskId}`)).body;
    await handler({ taskId: firstTaskId, platformId, kind: 'vm', batchIndex: 0 }, {} as never);
    const afterRerun = (await env.api<TaskSnapshot>('GET', `/tasks/${firstTaskId}`)).body;
    assert.deepEqual(afterRerun.progress, before.progress);
    assert.deepEqual(afterRerun.counts, before.counts);
  });

  test('a batch whose hosts were written but not counted (a crash) counts once on retry, the same way', async () => {
    const { tasks, hosts, platforms } = await import('#stores');
    const { connectPlatform } = await import('#commons/connect-platform.ts');
    const { planSync } = await import('#shared/sync/plan-sync.ts');
    const { syncBatch } = await import('#shared/sync/sync-batch.ts');
    const { newTask } = await import('#shared/domain/task.ts');
    // A second platform on the same vCenter: its hosts are new to the inventory.
    const platform = (await platforms().get(await env.registerPlatform(vcsim)))!;
    const task = newTask({ id: crypto.randomUUID(), type: 'platform_sync', trigger: 'api', status: 'queued', phase: 'connecting', platformId: platform.id }, new Date().toISOString());
    assert.equal((await tasks().createSyncTask(task, platform.id)).outcome, 'started');
    await planSync(task.id, platform, { tasks: tasks(), connect: connectPlatform, batchSize: 4, maxConcurrency: 1 });
    const input = { taskId: task.id, platform, kind: 'vm' as const, batchIndex: 0 };

    // The first attempt writes its hosts, then dies before the counting transaction.
    const store = tasks();
    const crashing = new Proxy(store, {
      get: (target, property) =>
        property === 'recordBatch' ? async () => Promise.reject(new Error('Task timed out')) : (Reflect.get(target, property, target) as unknown as (...args: never[]) => unknown).bind(target),
    });
    await assert.rejects(syncBatch(input, { tasks: crashing, hosts: hosts(), connect: connectPlatform }), /Task timed out/);
    assert.equal((await hosts().list({ platformId: platform.id }, { limit: 100 })).items.length, 4, 'the hosts were written');
    assert.equal((await tasks().get(task.id))?.processed, 0, 'nothing was counted');

    const retry = await syncBatch(input, { tasks: store, hosts: hosts(), connect: connectPlatform });
    assert.equal(retry.counted, true);
    assert.equal(retry.hostWrites, 0, 'the hosts are already there');
    assert.deepEqual({ created: retry.counters.created, unchanged: retry.counters.unchanged }, { created: 4, unchanged: 0 }, 'counted as the crashed attempt classified them');
    const again = await syncBatch(input, { tasks: store, hosts: hosts(), connect: connectPlatform });
    assert.equal(again.counted, false);
    const counted = (await tasks().get(task.id))!;
    assert.deepEqual([counted.processed, counted.succeeded, counted.created], [4, 4, 4]);
  });

  test('a sync already running answers 409 with its task id', async () => {
    const [first, second] = await Promise.all([
      env.api<{ taskId?: string }>('POST', `/virtualization/${platformId}/sync`),
      env.api<{ taskId?: string }>('POST', `/virtualization/${platformId}/sync`),
    ]);
    const statuses = [first.status, second.status].sort();
    assert.deepEqual(statuses, [202, 409]);
    const started = first.status === 202 ? first : second;
    const refused = first.status === 409 ? first : second;
    assert.equal(refused.body.taskId, started.body.taskId);
    assert.match(refused.headers.get('content-type') ?? '', /application\/problem\+json/);
    await env.waitForTask(started.body.taskId!);
  });
});

describe('platform sync failures', () => {
  async function failedSync(overrides: Record<string, unknown>): Promise<{ final: TaskSnapshot; platformId: string }> {
    const platformId = await env.registerPlatform(vcsim, overrides);
    const { final } = await sync(platformId);
    assert.equal(final.status, 'failed', JSON.stringify(final));
    assert.equal((await platformHosts(platformId)).length, 0, 'no host written');
    return { final, platformId };
  }

  test('a wrong password fails the task with a clear error and writes no host', async () => {
    const { final } = await failedSync({ password: 'not-the-password' });
    assert.match(final.error ?? '', /user name or password|InvalidLogin|AUTH_FAILED/i);
    assert.doesNotMatch(final.error ?? '', /not-the-password/);
  });

  test('a wrong thumbprint fails the task with a clear error', async () => {
    const { final } = await failedSync({ tls: { mode: 'thumbprint', thumbprint: 'AB'.repeat(32) } });
    assert.match(final.error ?? '', /thumbprint/i);
  });

  test('an unreachable vCenter fails cleanly', async () => {
    const { final, platformId } = await failedSync({ endpoint: 'https://127.0.0.1:9/sdk' });
    assert.match(final.error ?? '', /UNREACHABLE|refused|reach/i);
    const platform = (await env.api<{ activeSyncTaskId?: string }>('GET', `/virtualization/${platformId}`)).body;
    assert.equal(platform.activeSyncTaskId, undefined, 'the platform lock is released');
  });
});
