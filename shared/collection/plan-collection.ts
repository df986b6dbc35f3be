import type { Host } from '#shared/domain/host.ts';
import type { TaskType } from '#shared/domain/task.ts';
import type { BatchMember, TaskStore } from '#shared/store/task-store.ts';

export interface CollectionBatch {
  batchIndex: number;
  kind: 'platform' | 'remote';
}

export interface CollectionPlanOptions {
  /** VMs / ESXi hosts of one platform per batch: one RetrievePropertiesEx each. */
  platformBatchSize: number;
  /** Servers per remote batch (one Lambda invocation, collected a few at a time). */
  remoteBatchSize: number;
}

/** Which task type a selection makes. */
export function collectionType(hosts: Host[]): TaskType {
  const platform = hosts.some((host) => host.source === 'platform');
  const remote = hosts.some((host) => host.source !== 'platform');
  return platform && remote ? 'mixed_collect' : platform ? 'platform_collect' : 'host_collect';
}

/**
 * Groups the selection into batches and stores their members in DynamoDB:
 * platform hosts by platform (a batch never spans two vCenters), servers in
 * fixed-size batches. Only the small batch descriptors go to Step Functions.
 */
export async function planCollection(taskId: string, hosts: Host[], tasks: TaskStore, options: CollectionPlanOptions): Promise<CollectionBatch[]> {
  const byPlatform = new Map<string, Host[]>();
  const remote: Host[] = [];
  for (const host of hosts) {
    if (host.source === 'platform' && host.platformId) {
      byPlatform.set(host.platformId, [...(byPlatform.get(host.platformId) ?? []), host]);
    } else {
      remote.push(host);
    }
  }
  const platformBatches = [...byPlatform.values()].flatMap((members) => chunk(members, options.platformBatchSize)).map(toMembers);
  const remoteBatches = chunk(remote, options.remoteBatchSize).map(toMembers);
  await tasks.putBatchPlans(taskId, 'platform', platformBatches);
  await tasks.putBatchPlans(taskId, 'remote', remoteBatches);
  return [
    ...platformBatches.map((_, batchIndex) => ({ batchIndex, kind: 'platform' as const })),
    ...remoteBatches.map((_, batchIndex) => ({ batchIndex, kind: 'remote' as const })),
  ];
}

function toMembers(hosts: Host[]): BatchMember[] {
  // Remote hosts have no moref; "-" keeps the stored "<moref> <hostId>" pairs uniform.
  return hosts.map((host) => ({ moref: host.moref ?? '-', hostId: host.id }));
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
