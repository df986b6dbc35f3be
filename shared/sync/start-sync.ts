import { randomUUID } from 'node:crypto';
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { newTask, type TaskTrigger } from '#shared/domain/task.ts';
import type { PlatformStore } from '#shared/store/platform-store.ts';
import type { StartSyncOutcome, TaskStore } from '#shared/store/task-store.ts';

export interface StartSyncDeps {
  tasks: TaskStore;
  platforms: PlatformStore;
  sfn: SFNClient;
  stateMachineArn: string;
  now?: () => Date;
}

export type StartSyncResult = { outcome: 'started'; taskId: string } | Exclude<StartSyncOutcome, { outcome: 'started' }>;

export interface StartSyncRequest {
  platformId: string;
  trigger: TaskTrigger;
  idempotencyKey?: string;
}

/**
 * Creates the task (taking the platform's sync lock in the same transaction),
 * then starts the execution named after the task. If the execution cannot be
 * started the task is failed and the lock released, so nothing is left stuck.
 */
export async function startPlatformSync({ platformId, trigger, idempotencyKey }: StartSyncRequest, deps: StartSyncDeps): Promise<StartSyncResult> {
  const now = (deps.now ?? (() => new Date()))().toISOString();
  const task = newTask({ id: randomUUID(), type: 'platform_sync', trigger, status: 'queued', phase: 'connecting', platformId }, now);
  const created = await deps.tasks.createSyncTask(task, platformId, idempotencyKey);
  if (created.outcome !== 'started') return created;
  try {
    const { executionArn } = await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.stateMachineArn,
        name: task.id,
        // Ids only: execution history is readable by anyone with console access.
        input: JSON.stringify({ taskId: task.id, platformId }),
      }),
    );
    await deps.tasks.markStarted(task.id, executionArn!, new Date().toISOString());
  } catch (error) {
    const at = new Date().toISOString();
    await deps.tasks.finish(task.id, 'failed', at, { error: `could not start the workflow: ${(error as Error).message}` });
    await deps.platforms.finishSync(platformId, task.id, { taskId: task.id, status: 'failed', finishedAt: at });
    throw error;
  }
  return { outcome: 'started', taskId: task.id };
}
