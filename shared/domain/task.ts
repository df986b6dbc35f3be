export type TaskType = 'platform_sync' | 'platform_collect' | 'host_collect' | 'mixed_collect';
export type TaskTrigger = 'api' | 'schedule' | 'retry';
export type TaskStatus = 'queued' | 'running' | 'succeeded' | 'partially_succeeded' | 'failed' | 'cancelled';
export type TaskPhase = 'connecting' | 'discovering' | 'collecting' | 'finalizing' | 'done';

export const finishedStatuses: ReadonlySet<TaskStatus> = new Set(['succeeded', 'partially_succeeded', 'failed', 'cancelled']);

/** A task as stored: counters only, percent is derived on read. */
export interface Task {
  id: string;
  type: TaskType;
  trigger: TaskTrigger;
  status: TaskStatus;
  phase: TaskPhase;
  platformId?: string;
  hostCount?: number;
  total: number;
  processed: number;
  succeeded: number;
  failed: number;
  created: number;
  updated: number;
  unchanged: number;
  missing: number;
  /** Objects listed so far while discovering, and how many the previous sync found (the estimate). */
  discovered?: number;
  expectedTotal?: number;
  createdAt: string;
  startedAt?: string;
  updatedAt: string;
  finishedAt?: string;
  executionArn?: string;
  error?: string;
}

/** A task as created: every counter at zero. */
export function newTask(fields: Pick<Task, 'id' | 'type' | 'trigger' | 'status' | 'phase'> & Partial<Task>, now: string): Task {
  return {
    total: 0,
    processed: 0,
    succeeded: 0,
    failed: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    missing: 0,
    createdAt: now,
    updatedAt: now,
    ...fields,
  };
}

export interface TaskView {
  id: string;
  type: TaskType;
  trigger: TaskTrigger;
  status: TaskStatus;
  phase: TaskPhase;
  platformId?: string;
  hostCount?: number;
  progress: { total: number; processed: number; succeeded: number; failed: number; percent: number; discovered?: number };
  counts: { created: number; updated: number; unchanged: number; missing: number };
  createdAt: string;
  startedAt?: string;
  updatedAt: string;
  finishedAt?: string;
  executionArn?: string;
  error?: string;
}

/** Shares of the bar for the work before and after collection. */
const connectingShare = 2;
const discoveryShare = 5;
const finalizingShare = 97;

/**
 * Percent is derived from phase and counters so it is never stored twice and
 * never goes down: phases only move forward, processed only grows, and total
 * is fixed before collection starts.
 */
export function percentOf(task: Pick<Task, 'phase' | 'status' | 'total' | 'processed' | 'discovered' | 'expectedTotal'>): number {
  if (task.phase === 'done' || finishedStatuses.has(task.status)) return 100;
  switch (task.phase) {
    case 'connecting':
      return task.status === 'queued' ? 0 : connectingShare;
    case 'discovering': {
      // Moves with discovery when the previous sync's size gives an estimate.
      const ratio = task.expectedTotal ? Math.min((task.discovered ?? 0) / task.expectedTotal, 1) : 0;
      return Math.round((connectingShare + ratio * (discoveryShare - connectingShare)) * 10) / 10;
    }
    case 'collecting': {
      const ratio = task.total > 0 ? Math.min(task.processed / task.total, 1) : 0;
      return Math.round((discoveryShare + ratio * (finalizingShare - discoveryShare)) * 10) / 10;
    }
    case 'finalizing':
      return finalizingShare;
  }
}

export function toTaskView(task: Task): TaskView {
  return {
    id: task.id,
    type: task.type,
    trigger: task.trigger,
    status: task.status,
    phase: task.phase,
    ...(task.platformId ? { platformId: task.platformId } : {}),
    ...(task.hostCount !== undefined ? { hostCount: task.hostCount } : {}),
    progress: {
      total: task.total,
      processed: task.processed,
      succeeded: task.succeeded,
      failed: task.failed,
      percent: percentOf(task),
      ...(task.discovered !== undefined ? { discovered: task.discovered } : {}),
    },
    counts: { created: task.created, updated: task.updated, unchanged: task.unchanged, missing: task.missing },
    createdAt: task.createdAt,
    ...(task.startedAt ? { startedAt: task.startedAt } : {}),
    updatedAt: task.updatedAt,
    ...(task.finishedAt ? { finishedAt: task.finishedAt } : {}),
    ...(task.executionArn ? { executionArn: task.executionArn } : {}),
    ...(task.error ? { error: task.error } : {}),
  };
}

export interface TaskItem {
  hostId: string;
  name?: string;
  status: 'succeeded' | 'failed';
  errorCode?: string;
  message?: string;
}
