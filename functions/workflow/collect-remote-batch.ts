import { z } from 'zod';
import { logger } from '#powertools';
import { hosts, secrets, tasks } from '#stores';
import { collectRemoteBatch } from '#shared/collection/collect-remote-batch.ts';
import type { RemoteTarget } from '#shared/collectors/collector.ts';
import { collectLinux } from '#shared/collectors/linux/collect-linux.ts';
import { collectWindows } from '#shared/collectors/windows/collect-windows.ts';
import { workflowHandler } from '#commons/workflow-handler.ts';

// The vSphere client (soap) loads only when a batch holds an ESXi host: most batches are SSH only.
const collectEsxi = async (target: RemoteTarget) => (await import('#shared/collectors/esxi/collect-esxi.ts')).collectEsxi(target);

const inputSchema = z.object({ taskId: z.string().min(1), batchIndex: z.number().int().min(0) });
const settings = {
  concurrency: Number(process.env['COLLECT_CONCURRENCY'] ?? 10),
  connectTimeoutMs: Number(process.env['COLLECT_CONNECT_TIMEOUT_MS'] ?? 10_000),
  hostTimeoutMs: Number(process.env['COLLECT_HOST_TIMEOUT_MS'] ?? 60_000),
};

export const handler = workflowHandler(inputSchema, async ({ taskId, batchIndex }) => {
  const summary = await collectRemoteBatch(taskId, batchIndex, {
    tasks: tasks(),
    hosts: hosts(),
    secrets: secrets(),
    collectors: { linux: collectLinux, windows: collectWindows, esxi: collectEsxi },
    ...settings,
  });
  logger.info('remote batch collected', { taskId, batchIndex, ...summary });
  return { processed: summary.collected + summary.failed };
});
