import { contentHashOf, type Host, type HostFacts } from '#shared/domain/host.ts';
import { toHostFacts } from './host-facts.ts';
import type { Platform } from '#shared/domain/platform.ts';
import type { TaskItem } from '#shared/domain/task.ts';
import type { HostStore, HostSyncState } from '#shared/store/host-store.ts';
import { batchKey, type BatchCounters, type TaskStore } from '#shared/store/task-store.ts';
import { platformErrorCode, type PlatformHostRecord, type PlatformInventory, type PlatformObjectKind } from './platform-inventory.ts';

export interface SyncBatchDeps {
  tasks: TaskStore;
  hosts: HostStore;
  connect: (platform: Platform) => Promise<PlatformInventory>;
  now?: () => Date;
}

export interface SyncBatchInput {
  taskId: string;
  platform: Platform;
  kind: PlatformObjectKind;
  batchIndex: number;
}

export interface SyncBatchResult {
  counted: boolean;
  counters: BatchCounters;
  hostWrites: number;
  /** Where the time went, for the logs: platform fetch, DynamoDB reads, host writes, counting. */
  timings?: { fetchMs: number; readMs: number; writeMs: number; recordMs: number };
}

/**
 * Fetches one batch's objects in one property-collector round, writes only
 * the hosts whose content changed, and moves the task counters once. A
 * platform error fails every member of the batch as task items instead of
 * throwing: a failing Map iteration would abort the whole sync.
 */
export async function syncBatch(input: SyncBatchInput, deps: SyncBatchDeps): Promise<SyncBatchResult> {
  const key = batchKey(input.kind, input.batchIndex);
  const now = (deps.now ?? (() => new Date()))().toISOString();
  if (await deps.tasks.isBatchRecorded(input.taskId, key)) return { counted: false, counters: emptyCounters(), hostWrites: 0 };
  const members = await deps.tasks.getBatchPlan(input.taskId, input.kind, input.batchIndex);

  let fetched: { records: PlatformHostRecord[]; missing: string[] };
  const clock = stopwatch();
  try {
    const inventory = await deps.connect(input.platform);
    fetched = await inventory.fetch(input.kind, members.map((member) => member.moref));
  } catch (error) {
    const failures = members.map((member) => failure(member.hostId, platformErrorCode(error), (error as Error).message));
    const counters = { ...emptyCounters(), processed: members.length, failed: members.length };
    const counted = await deps.tasks.recordBatch(input.taskId, key, counters, failures, now);
    return { counted, counters, hostWrites: 0 };
  }

  const fetchMs = clock();
  const idByMoref = new Map(members.map((member) => [member.moref, member.hostId]));
  const esxiIdByMoref = input.kind === 'vm' ? await esxiHostIds(deps.tasks, input.taskId) : new Map<string, string>();
  const candidates = fetched.records.flatMap((record) => {
    const id = idByMoref.get(record.moref);
    if (!id) return [];
    const facts = toHostFacts(record, esxiIdByMoref);
    return [{ id, facts, contentHash: contentHashOf(facts) }];
  });
  // The previous sync's manifest of this batch settles every unchanged host
  // without reading it; only the others are read from the hosts table.
  const manifest = input.platform.inventoryTaskId ? await deps.tasks.getBatchHashes(input.platform.inventoryTaskId, key) : undefined;
  const unsettled = candidates.filter((candidate) => manifest?.get(candidate.id) !== candidate.contentHash);
  const existing = new Map((await deps.hosts.getSyncStates(unsettled.map((candidate) => candidate.id))).map((host) => [host.id, host]));

  const counters = emptyCounters();
  const changed: Host[] = [];
  for (const candidate of candidates) {
    if (manifest?.get(candidate.id) === candidate.contentHash) {
      counters.unchanged++;
      continue;
    }
    const outcome = upsert(candidate, existing.get(candidate.id), { ...input, now });
    counters[outcome.change]++;
    if (outcome.host) changed.push(outcome.host);
  }
  counters.succeeded = counters.created + counters.updated + counters.unchanged;
  const readMs = clock();

  // Gone between discovery and this batch: report it; the next sync marks it missing.
  const failures = fetched.missing.map((moref) =>
    failure(idByMoref.get(moref) ?? moref, 'NOT_FOUND_ON_PLATFORM', `${moref} no longer exists on the platform`),
  );
  counters.failed = failures.length;
  counters.processed = counters.succeeded + counters.failed;

  const hostWrites = changed.length > 0 ? await deps.hosts.putMany(changed) : 0;
  const writeMs = clock();
  const hashes = new Map(candidates.map((candidate) => [candidate.id, candidate.contentHash]));
  const counted = await deps.tasks.recordBatch(input.taskId, key, counters, failures, now, hashes);
  return { counted, counters, hostWrites, timings: { fetchMs, readMs, writeMs, recordMs: clock() } };
}

interface UpsertContext {
  taskId: string;
  platform: Platform;
  now: string;
}

interface Candidate {
  id: string;
  facts: HostFacts;
  contentHash: string;
}

function upsert({ id, facts, contentHash }: Candidate, current: HostSyncState | undefined, context: UpsertContext): { change: 'created' | 'updated' | 'unchanged'; host?: Host } {
  if (current && current.contentHash === contentHash && current.status === 'active') {
    // Written by an earlier attempt of this very task: count it the way that attempt did.
    const change = current.lastTaskId === context.taskId && current.lastChange ? current.lastChange : 'unchanged';
    return { change };
  }
  const change = current ? 'updated' : 'created';
  const host: Host = {
    ...facts,
    id,
    source: 'platform',
    platformId: context.platform.id,
    status: 'active',
    contentHash,
    searchName: facts.name.toLowerCase(),
    firstSeenAt: current?.firstSeenAt ?? context.now,
    lastSeenAt: context.now,
    lastCollectedAt: context.now,
    lastTaskId: context.taskId,
    lastChange: change,
  };
  return { change, host };
}

async function esxiHostIds(tasks: TaskStore, taskId: string): Promise<Map<string, string>> {
  const members = await tasks.listPlannedMembers(taskId, 'esxi');
  return new Map(members.map((member) => [member.moref, member.hostId]));
}

function failure(hostId: string, errorCode: string, message: string): TaskItem {
  return { hostId, status: 'failed', errorCode, message: message.slice(0, 500) };
}

function emptyCounters(): BatchCounters & { succeeded: number } {
  return { processed: 0, succeeded: 0, failed: 0, created: 0, updated: 0, unchanged: 0 };
}

/** Milliseconds since the previous call (or creation). */
function stopwatch(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const elapsed = Math.round(now - last);
    last = now;
    return elapsed;
  };
}
