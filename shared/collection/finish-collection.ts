import type { TaskStore } from '#shared/store/task-store.ts';
import { finalStatus } from '#shared/sync/finish-sync.ts';
import type { TaskStatus } from '#shared/domain/task.ts';

/** `partially_succeeded` when some hosts failed, `failed` only when all did. */
export async function finishCollection(taskId: string, tasks: TaskStore, now = new Date()): Promise<TaskStatus> {
  const task = await tasks.get(taskId);
  if (!task) throw new Error(`task ${taskId} does not exist`);
  const status = task.total === 0 ? 'succeeded' : finalStatus(task.succeeded, task.failed);
  await tasks.finish(taskId, status, now.toISOString(), task.failed > 0 ? { error: `${task.failed} of ${task.total} hosts could not be collected; see the task's items` } : {});
  return status;
}
