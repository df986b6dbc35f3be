import type { TaskStatus } from '#shared/domain/task.ts';
import type { HostStore } from '#shared/store/host-store.ts';
import type { PlatformStore } from '#shared/store/platform-store.ts';
import type { TaskStore } from '#shared/store/task-store.ts';

export interface FinishSyncDeps {
  tasks: TaskStore;
  hosts: HostStore;
  platforms: PlatformStore;
  now?: () => Date;
}

/**
 * Marks active hosts of the platform that the discovery did not list as
 * missing (never deletes), then gives the task its final status and releases
 * the platform's sync lock. Hosts whose batch failed were still discovered,
 * so an outage mid-sync never makes hosts look missing.
 */
export async function finishSync(taskId: string, platformId: string, deps: FinishSyncDeps): Promise<{ status: TaskStatus; missing: number }> {
  const now = () => (deps.now ?? (() => new Date()))().toISOString();
  await deps.tasks.advancePhase(taskId, 'finalizing', now());
  const discovered = new Set((await deps.tasks.listPlannedMembers(taskId)).map((member) => member.hostId));
  const platform = await deps.platforms.get(platformId);
  // Before its first sync ends, a platform has no hosts but those this sync planned.
  const candidates = platform?.lastSync ? await previouslyActive(platform.inventoryTaskId, platformId, deps) : new Set<string>();
  const vanished = [...candidates].filter((id) => !discovered.has(id));
  const missing = await deps.hosts.markMissing(vanished, now(), taskId);
  const task = await deps.tasks.get(taskId);
  if (!task) throw new Error(`task ${taskId} does not exist`);
  const status = finalStatus(task.succeeded, task.failed);
  const at = now();
  const finished = await deps.tasks.finish(taskId, status, at, {
    missing,
    ...(task.failed > 0 ? { error: `${task.failed} of ${task.total} hosts could not be synced; see the task's items` } : {}),
  });
  await deps.platforms.finishSync(platformId, taskId, { taskId, status: finished?.status ?? status, finishedAt: at, total: task.total }, taskId);
  return { status, missing };
}

/**
 * The hosts that may have vanished: every host active after the previous
 * completed sync is in that sync's plan (its finalization marked the rest
 * missing, and nothing else makes platform hosts active), so reading that
 * plan (a few items) replaces a query over every host of the platform. With
 * no previous plan (first sync, or its items expired) the index is read.
 */
async function previouslyActive(inventoryTaskId: string | undefined, platformId: string, deps: FinishSyncDeps): Promise<Set<string>> {
  if (inventoryTaskId) {
    const previous = await deps.tasks.listPlannedMembers(inventoryTaskId);
    if (previous.length > 0) return new Set(previous.map((member) => member.hostId));
  }
  const active = new Set<string>();
  for await (const page of deps.hosts.listPlatformHostKeys(platformId)) {
    for (const host of page) if (host.status === 'active') active.add(host.id);
  }
  return active;
}

export function finalStatus(succeeded: number, failed: number): TaskStatus {
  if (failed === 0) return 'succeeded';
  return succeeded === 0 ? 'failed' : 'partially_succeeded';
}

/**
 * Ends a task whose workflow failed or stopped outside the normal path, and
 * releases the platform lock. Safe to call twice: an already final task keeps
 * its status.
 */
export async function abandonSync(
  taskId: string,
  status: 'failed' | 'cancelled',
  error: string | undefined,
  deps: Pick<FinishSyncDeps, 'tasks' | 'platforms' | 'now'>,
): Promise<void> {
  const at = (deps.now ?? (() => new Date()))().toISOString();
  const finished = await deps.tasks.finish(taskId, status, at, error ? { error } : {});
  const task = finished ?? (await deps.tasks.get(taskId));
  if (task?.platformId) {
    await deps.platforms.finishSync(task.platformId, taskId, { taskId, status: task.status, finishedAt: task.finishedAt ?? at });
  }
}
