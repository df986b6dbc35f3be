/**
 * Heap growth of one sync-batch invocation, the number that decides whether
 * the batch Lambda fits in 256 MB: plan a sync of a fresh platform (so every
 * host is new and written), then run one VM batch in isolation, sampling the
 * heap while it runs. Run with --expose-gc for a retained figure after GC.
 */
import type { LocalStack } from '#local/stack.ts';
import { newTask } from '#shared/domain/task.ts';

interface Vcenter {
  endpoint: string;
  username: string;
  password: string;
  thumbprint: string;
}

export async function measureBatchHeap(stack: LocalStack, vcenter: Vcenter): Promise<{ peakGrowth: number; retained: number }> {
  const headers = { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' };
  const created = await fetch(`${stack.apiUrl}/virtualization`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: 'heap', type: 'vmware', endpoint: vcenter.endpoint, username: vcenter.username, password: vcenter.password, tls: { mode: 'thumbprint', thumbprint: vcenter.thumbprint } }),
  });
  const platform = (await created.json()) as { id: string };
  const { tasks } = await import('#stores');
  const { handler: plan } = await import('#functions/workflow/plan-sync-batches.ts');
  const { handler: syncBatch } = await import('#functions/workflow/sync-batch.ts');
  const taskId = crypto.randomUUID();
  const now = new Date().toISOString();
  await tasks().createSyncTask(newTask({ id: taskId, type: 'platform_sync', trigger: 'api', status: 'queued', phase: 'connecting', platformId: platform.id }, now), platform.id);
  const context = { getRemainingTimeInMillis: () => 300_000 } as never;
  await plan({ taskId, platformId: platform.id }, context);

  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  gc();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 2);
  await syncBatch({ taskId, platformId: platform.id, kind: 'vm', batchIndex: 0 }, context);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  gc();
  return { peakGrowth: peak - before, retained: process.memoryUsage().heapUsed - before };
}
