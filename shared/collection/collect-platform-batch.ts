import { contentHashOf, platformHostId, type Host } from '#shared/domain/host.ts';
import type { Platform } from '#shared/domain/platform.ts';
import type { TaskItem } from '#shared/domain/task.ts';
import type { HostStore } from '#shared/store/host-store.ts';
import type { PlatformStore } from '#shared/store/platform-store.ts';
import { batchKey, type BatchCounters, type TaskStore } from '#shared/store/task-store.ts';
import { toHostFacts } from '#shared/sync/host-facts.ts';
import { platformErrorCode, type PlatformHostRecord, type PlatformInventory, type PlatformObjectKind } from '#shared/sync/platform-inventory.ts';

export interface CollectPlatformBatchDeps {
  tasks: TaskStore;
  hosts: HostStore;
  platforms: PlatformStore;
  connect: (platform: Platform) => Promise<PlatformInventory>;
  now?: () => Date;
}

/**
 * Refreshes one batch of a platform's VMs and ESXi hosts from their vCenter:
 * one RetrievePropertiesEx per kind naming exactly their morefs. A VM
 * re-registered under a new moref is found again by its instance UUID; one
 * that is gone fails with NOT_FOUND_ON_PLATFORM and is marked missing.
 */
export async function collectPlatformBatch(taskId: string, batchIndex: number, deps: CollectPlatformBatchDeps): Promise<BatchCounters> {
  const key = batchKey('platform', batchIndex);
  const now = (deps.now ?? (() => new Date()))().toISOString();
  if (await deps.tasks.isBatchRecorded(taskId, key)) return emptyCounters();
  const members = await deps.tasks.getBatchPlan(taskId, 'platform', batchIndex);
  const hosts = await deps.hosts.getMany(members.map((member) => member.hostId));
  const platformId = hosts[0]?.platformId;
  const platform = platformId ? await deps.platforms.get(platformId) : undefined;

  const failAll = async (code: string, message: string) => {
    const items = members.map((member) => failure(member.hostId, code, message, hosts.find((host) => host.id === member.hostId)?.name));
    const counters = { ...emptyCounters(), processed: members.length, failed: members.length };
    await deps.tasks.recordBatch(taskId, key, counters, items, now);
    return counters;
  };
  if (!platform) return failAll('NOT_FOUND_ON_PLATFORM', `platform ${platformId ?? '(none)'} no longer exists`);

  let found: Map<string, PlatformHostRecord>;
  let inventory: PlatformInventory;
  try {
    inventory = await deps.connect(platform);
    found = await fetchHosts(inventory, hosts);
  } catch (error) {
    return failAll(platformErrorCode(error), (error as Error).message);
  }

  let esxiIdByMoref: Map<string, string>;
  try {
    esxiIdByMoref = await esxiHostIds(inventory, platform.id, [...found.values()]);
  } catch (error) {
    return failAll(platformErrorCode(error), (error as Error).message);
  }
  const counters = emptyCounters();
  const items: TaskItem[] = [];
  const changed: Host[] = [];
  const gone: string[] = [];
  for (const host of hosts) {
    const record = found.get(host.id);
    if (!record) {
      gone.push(host.id);
      items.push(failure(host.id, 'NOT_FOUND_ON_PLATFORM', `${host.moref ?? host.name} no longer exists on ${platform.name}`, host.name));
      continue;
    }
    const facts = toHostFacts(record, esxiIdByMoref);
    const contentHash = contentHashOf(facts);
    counters[contentHash === host.contentHash && host.status === 'active' ? 'unchanged' : 'updated']++;
    changed.push({ ...host, ...facts, contentHash, searchName: facts.name.toLowerCase(), status: 'active', lastSeenAt: now, lastCollectedAt: now, lastTaskId: taskId, lastChange: 'updated' });
    items.push({ hostId: host.id, name: facts.name, status: 'succeeded' });
  }
  counters.succeeded = changed.length;
  counters.failed = gone.length;
  counters.processed = hosts.length;
  counters.missing = await deps.hosts.markMissing(gone, now, taskId);
  // Hosts written outside a sync make the last sync's plan and hashes stale: the next sync reads every host.
  if (changed.length > 0 || gone.length > 0) await deps.platforms.clearInventory(platform.id);
  await deps.hosts.putMany(changed);
  await deps.tasks.recordBatch(taskId, key, counters, items, now);
  return counters;
}

/** Records by host id; hosts whose moref vanished are looked up again by UUID. */
async function fetchHosts(inventory: PlatformInventory, hosts: Host[]): Promise<Map<string, PlatformHostRecord>> {
  const found = new Map<string, PlatformHostRecord>();
  for (const kind of ['esxi', 'vm'] as const) {
    const ofKind = hosts.filter((host) => host.kind === kind && host.moref);
    if (ofKind.length === 0) continue;
    const byMoref = new Map(ofKind.map((host) => [host.moref!, host]));
    const { records, missing } = await inventory.fetch(kind, [...byMoref.keys()]);
    for (const record of records) {
      const host = byMoref.get(record.moref);
      // A moref reused by another VM is not our VM: the UUID must match.
      if (host && (!host.instanceUuid || host.instanceUuid === record.instanceUuid)) found.set(host.id, record);
      else if (host) missing.push(record.moref);
    }
    const lost = missing.map((moref) => byMoref.get(moref)).filter((host): host is Host => host?.instanceUuid !== undefined);
    for (const [hostId, record] of await relocateByUuid(inventory, kind, lost)) found.set(hostId, record);
  }
  return found;
}

async function relocateByUuid(inventory: PlatformInventory, kind: PlatformObjectKind, lost: Host[]): Promise<Map<string, PlatformHostRecord>> {
  const relocated = new Map<string, PlatformHostRecord>();
  if (lost.length === 0) return relocated;
  const wanted = new Map(lost.map((host) => [host.instanceUuid!.toLowerCase(), host]));
  const newMorefs = new Map<string, Host>();
  for await (const page of inventory.discover(kind)) {
    for (const object of page) {
      const host = object.uuid ? wanted.get(object.uuid.toLowerCase()) : undefined;
      if (host) newMorefs.set(object.moref, host);
    }
  }
  if (newMorefs.size === 0) return relocated;
  const { records } = await inventory.fetch(kind, [...newMorefs.keys()]);
  for (const record of records) {
    const host = newMorefs.get(record.moref);
    if (host) relocated.set(host.id, record);
  }
  return relocated;
}

/**
 * The record ids of the ESXi hosts these VMs run on. ESXi ids derive from the
 * hardware UUID, so the few hosts are asked for it in one call, rather than
 * reading every host of the platform to match morefs.
 */
async function esxiHostIds(inventory: PlatformInventory, platformId: string, records: PlatformHostRecord[]): Promise<Map<string, string>> {
  const hostMorefs = [...new Set(records.flatMap((record) => (record.kind === 'vm' && record.hostMoref ? [record.hostMoref] : [])))];
  if (hostMorefs.length === 0) return new Map();
  const { records: esxiHosts } = await inventory.fetch('esxi', hostMorefs);
  return new Map(esxiHosts.map((host) => [host.moref, platformHostId(platformId, 'esxi', host.instanceUuid ?? host.moref)]));
}

function failure(hostId: string, errorCode: string, message: string, name?: string): TaskItem {
  return { hostId, ...(name ? { name } : {}), status: 'failed', errorCode, message: message.slice(0, 500) };
}

function emptyCounters(): BatchCounters & { missing: number } {
  return { processed: 0, succeeded: 0, failed: 0, created: 0, updated: 0, unchanged: 0, missing: 0 };
}
