import { platformHostId } from '#shared/domain/host.ts';
import type { Platform } from '#shared/domain/platform.ts';
import type { BatchMember, TaskStore } from '#shared/store/task-store.ts';
import type { DiscoveredObject, PlatformInventory, PlatformObjectKind } from './platform-inventory.ts';

export interface PlanSyncDeps {
  tasks: TaskStore;
  connect: (platform: Platform) => Promise<PlatformInventory>;
  batchSize: number;
  /** Batches fetched at once (the Maps' MaxConcurrency). */
  maxConcurrency: number;
  now?: () => Date;
}

export interface SyncPlan {
  esxiBatches: number[];
  vmBatches: number[];
  maxConcurrency: number;
}

/**
 * Logs in, lists every ESXi host and VM (ids only, page by page), stores each
 * batch's members in DynamoDB and fixes the task's total. Only batch indexes
 * go back to Step Functions, so the state payload stays tiny at any scale.
 */
export async function planSync(taskId: string, platform: Platform, deps: PlanSyncDeps): Promise<SyncPlan> {
  const now = () => (deps.now ?? (() => new Date()))().toISOString();
  await deps.tasks.advancePhase(taskId, 'connecting', now());
  const inventory = await deps.connect(platform);
  await deps.tasks.advancePhase(taskId, 'discovering', now());
  const plan: SyncPlan = { esxiBatches: [], vmBatches: [], maxConcurrency: deps.maxConcurrency };
  let total = 0;
  // The previous sync's size, or on a first sync the hosts' own VM counts, sizes discovery.
  let expectedTotal = platform.lastSync?.total;
  const onPage = (page: DiscoveredObject[]) => deps.tasks.addDiscovered(taskId, page.length, now(), expectedTotal);
  for (const kind of ['esxi', 'vm'] as const) {
    const members = await discoverMembers(inventory, platform.id, kind, onPage);
    if (kind === 'esxi') expectedTotal ??= members.length + members.reduce((sum, member) => sum + (member.vmCount ?? 0), 0);
    const batches = chunk(members, deps.batchSize);
    await deps.tasks.putBatchPlans(taskId, kind, batches);
    plan[kind === 'esxi' ? 'esxiBatches' : 'vmBatches'] = batches.map((_, index) => index);
    total += members.length;
  }
  await deps.tasks.advancePhase(taskId, 'collecting', now(), total);
  return plan;
}

async function discoverMembers(
  inventory: PlatformInventory,
  platformId: string,
  kind: PlatformObjectKind,
  onPage: (page: DiscoveredObject[]) => Promise<void>,
): Promise<Array<BatchMember & { vmCount?: number }>> {
  const members: Array<BatchMember & { vmCount?: number }> = [];
  const seen = new Set<string>();
  for await (const page of inventory.discover(kind)) {
    for (const object of page) {
      let hostId = platformHostId(platformId, kind, object.uuid ?? object.moref);
      // Clones can share a UUID: the second one is told apart by its moref.
      if (seen.has(hostId)) hostId = platformHostId(platformId, kind, `${object.uuid}/${object.moref}`);
      seen.add(hostId);
      members.push({ moref: object.moref, hostId, ...(object.vmCount !== undefined ? { vmCount: object.vmCount } : {}) });
    }
    // Discovery of a large vCenter takes seconds: the task shows it moving.
    await onPage(page);
  }
  return members;
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
