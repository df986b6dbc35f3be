import { lookup } from 'node:dns/promises';
import type { CollectionResult, RemoteCredential, RemoteTarget } from '#shared/collectors/collector.ts';
import { forbiddenResolution } from '#shared/domain/endpoint-guard.ts';
import { forEachConcurrently } from '#shared/concurrency.ts';
import { contentHashOf, isRemoteHost, type Host, type RemoteHost } from '#shared/domain/host.ts';
import type { TaskItem } from '#shared/domain/task.ts';
import { remoteHostSecretId, type SecretStore } from '#shared/secrets/secret-store.ts';
import type { HostStore } from '#shared/store/host-store.ts';
import type { TaskStore } from '#shared/store/task-store.ts';

export type RemoteCollector = (target: RemoteTarget) => Promise<CollectionResult>;

/**
 * Connections open one after another, 100 ms apart, rather than all in the
 * same instant: the first hosts then finish in a fraction of a second instead
 * of all sharing the CPU and finishing together (measured on two cores, 50 at
 * once: first result after 1.4 s without a ramp, 0.6 s with it).
 */
const rampUpMs = 100;

export interface CollectRemoteBatchDeps {
  tasks: TaskStore;
  hosts: HostStore;
  secrets: SecretStore;
  collectors: Record<RemoteHost['kind'] & ('linux' | 'windows' | 'esxi'), RemoteCollector>;
  /** Hosts collected at once inside this invocation. */
  concurrency: number;
  connectTimeoutMs: number;
  hostTimeoutMs: number;
  now?: () => Date;
}

export interface RemoteBatchSummary {
  collected: number;
  failed: number;
  skipped: number;
}

/**
 * Collects one batch of servers, a bounded number at a time, and records each
 * host's outcome the moment it completes, so progress moves host by host. A
 * host already recorded by an earlier attempt is skipped; a failed host keeps
 * its previous facts untouched.
 */
export async function collectRemoteBatch(taskId: string, batchIndex: number, deps: CollectRemoteBatchDeps): Promise<RemoteBatchSummary> {
  const members = await deps.tasks.getBatchPlan(taskId, 'remote', batchIndex);
  const ids = members.map((member) => member.hostId);
  const recorded = await deps.tasks.listRecordedHostIds(taskId, ids);
  const pending = ids.filter((id) => !recorded.has(id));
  const rows = new Map((await deps.hosts.getMany(pending)).map((host) => [host.id, host]));
  const summary: RemoteBatchSummary = { collected: 0, failed: 0, skipped: recorded.size };
  // Hosts sharing a credential profile read its secret once per invocation.
  const credentials = new Map<string, Promise<Record<string, string> | undefined>>();
  const credentialOf = (host: RemoteHost) => {
    const id = remoteHostSecretId(host);
    if (!credentials.has(id)) credentials.set(id, deps.secrets.get(id));
    return credentials.get(id)!;
  };

  await forEachConcurrently(pending, deps.concurrency, async (hostId) => {
    const row = rows.get(hostId);
    const host = row && isRemoteHost(row) ? row : undefined;
    const outcome = host ? await collectOne(host, (await credentialOf(host)) as RemoteCredential | undefined, deps) : undefined;
    const at = (deps.now ?? (() => new Date()))().toISOString();
    if (!host || !outcome) {
      await record(deps.tasks, taskId, failure(hostId, 'COLLECTION_FAILED', row ? `${row.name} is not a server reachable over SSH or vSphere` : 'the host was deleted', row?.name), at);
      summary.failed++;
      return;
    }
    if (!outcome.ok) {
      await record(deps.tasks, taskId, failure(hostId, outcome.code, outcome.message, host.name), at);
      summary.failed++;
      return;
    }
    const updated = withCollectedFacts(host, outcome, taskId, at);
    await deps.hosts.putMany([updated]);
    await deps.tasks.recordHostOutcome(
      taskId,
      { hostId, name: updated.name, status: 'succeeded' },
      { processed: 1, succeeded: 1, failed: 0, created: 0, updated: updated.contentHash === host.contentHash ? 0 : 1, unchanged: updated.contentHash === host.contentHash ? 1 : 0 },
      at,
    );
    summary.collected++;
  }, rampUpMs);
  return summary;
}

async function collectOne(host: RemoteHost, credential: RemoteCredential | undefined, deps: CollectRemoteBatchDeps): Promise<CollectionResult> {
  const refused = await forbiddenResolution(host.address, (name) => lookup(name, { all: true }));
  if (refused) return { ok: false, code: 'COLLECTION_FAILED', message: `refused: ${refused}` };
  if (!credential?.username) return { ok: false, code: 'COLLECTION_FAILED', message: `no credential is stored for ${host.name}` };
  const kind = host.kind as 'linux' | 'windows' | 'esxi';
  const collector = deps.collectors[kind];
  if (!collector) return { ok: false, code: 'COLLECTION_FAILED', message: `no collector for kind ${host.kind}` };
  return collector({
    address: host.address,
    port: host.port,
    credential,
    // A reset request accepts whatever key the host presents next.
    ...(host.hostKey && !host.hostKeyResetRequested ? { pinnedHostKey: host.hostKey } : {}),
    connectTimeoutMs: deps.connectTimeoutMs,
    overallTimeoutMs: deps.hostTimeoutMs,
  });
}

function withCollectedFacts(host: RemoteHost, outcome: Extract<CollectionResult, { ok: true }>, taskId: string, at: string): Host {
  const facts = { ...outcome.facts, kind: host.kind };
  // A name the operator chose is kept; otherwise the host's own name replaces the address.
  const name = host.name && host.name !== host.address ? host.name : facts.name;
  const contentHash = contentHashOf({ ...facts, name });
  const { hostKeyResetRequested: _reset, ...rest } = host;
  return {
    ...rest,
    ...facts,
    name,
    searchName: name.toLowerCase(),
    contentHash,
    status: 'active',
    hostKey: outcome.hostKey,
    lastSeenAt: at,
    lastCollectedAt: at,
    lastTaskId: taskId,
    lastChange: 'updated',
  } as Host;
}

async function record(tasks: TaskStore, taskId: string, item: TaskItem, at: string): Promise<void> {
  await tasks.recordHostOutcome(taskId, item, { processed: 1, succeeded: 0, failed: 1, created: 0, updated: 0, unchanged: 0 }, at);
}

function failure(hostId: string, errorCode: string, message: string, name?: string): TaskItem {
  return { hostId, ...(name ? { name } : {}), status: 'failed', errorCode, message: message.slice(0, 500) };
}
