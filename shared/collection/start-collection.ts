import { randomUUID } from 'node:crypto';
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { newTask } from '#shared/domain/task.ts';
import type { HostStore } from '#shared/store/host-store.ts';
import type { TaskStore } from '#shared/store/task-store.ts';
import { collectionType, planCollection, type CollectionPlanOptions } from './plan-collection.ts';

export interface StartCollectionDeps {
  tasks: TaskStore;
  hosts: HostStore;
  sfn: SFNClient;
  stateMachineArn: string;
  plan: CollectionPlanOptions;
}

export type StartCollectionResult =
  | { outcome: 'started' | 'duplicate-request'; taskId: string }
  | { outcome: 'unknown-hosts'; hostIds: string[] };

/**
 * Checks that every selected host exists (nothing starts otherwise), creates
 * the task, stores the batch plans and starts the execution named after the
 * task. Host ids and credentials never travel in the execution input.
 */
export async function startCollection(hostIds: string[], idempotencyKey: string | undefined, deps: StartCollectionDeps): Promise<StartCollectionResult> {
  const hosts = await deps.hosts.getMany(hostIds);
  if (hosts.length !== hostIds.length) {
    const found = new Set(hosts.map((host) => host.id));
    return { outcome: 'unknown-hosts', hostIds: hostIds.filter((id) => !found.has(id)) };
  }
  const now = new Date().toISOString();
  const task = newTask(
    { id: randomUUID(), type: collectionType(hosts), trigger: 'api', status: 'running', phase: 'collecting', hostCount: hosts.length, total: hosts.length, startedAt: now },
    now,
  );
  const created = await deps.tasks.createTask(task, idempotencyKey);
  if (created.outcome === 'duplicate-request') return created;
  try {
    const batches = await planCollection(task.id, hosts, deps.tasks, deps.plan);
    const { executionArn } = await deps.sfn.send(
      new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name: task.id, input: JSON.stringify({ taskId: task.id, batches }) }),
    );
    await deps.tasks.markStarted(task.id, executionArn!, new Date().toISOString());
  } catch (error) {
    await deps.tasks.finish(task.id, 'failed', new Date().toISOString(), { error: `could not start the workflow: ${(error as Error).message}` });
    throw error;
  }
  return { outcome: 'started', taskId: task.id };
}
