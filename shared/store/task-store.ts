import type { Task, TaskItem, TaskPhase, TaskStatus, TaskType } from '#shared/domain/task.ts';
import type { Page } from './cursor.ts';

/** Sync batches hold ESXi hosts or VMs; collection batches hold one platform's hosts or remote servers. */
export type BatchKind = 'esxi' | 'vm' | 'platform' | 'remote';

export interface BatchMember {
  moref: string;
  hostId: string;
}

export interface BatchCounters {
  processed: number;
  succeeded: number;
  failed: number;
  created: number;
  updated: number;
  unchanged: number;
  missing?: number;
}

export type StartSyncOutcome =
  | { outcome: 'started' }
  | { outcome: 'duplicate-request'; taskId: string }
  | { outcome: 'platform-not-found' }
  | { outcome: 'already-running'; runningTaskId: string };

export type CreateTaskOutcome = { outcome: 'started' } | { outcome: 'duplicate-request'; taskId: string };

export interface TaskStore {
  /** Creates a task that holds no platform lock (collections), claiming the idempotency key if given. */
  createTask(task: Task, idempotencyKey?: string): Promise<CreateTaskOutcome>;
  /**
   * Records one host's outcome and moves the counters exactly once: the item is
   * written only if absent, in the same transaction as the ADD.
   */
  recordHostOutcome(taskId: string, item: TaskItem, counters: BatchCounters, at: string): Promise<boolean>;
  /** Which of these hosts already have an outcome recorded in this task (a retried batch skips them). */
  listRecordedHostIds(taskId: string, hostIds: string[]): Promise<Set<string>>;
  /**
   * Creates the task and takes the platform's sync lock in one transaction, so
   * two concurrent requests can never both start a sync of one platform. With
   * an idempotency key, the key is claimed in the same transaction and a
   * repeated request within 24 hours gets the first task's id back.
   */
  createSyncTask(task: Task, platformId: string, idempotencyKey?: string): Promise<StartSyncOutcome>;
  get(id: string): Promise<Task | undefined>;
  list(options: { type?: TaskType; status?: TaskStatus; limit: number; cursor?: string }): Promise<Page<Task>>;
  markStarted(id: string, executionArn: string, at: string): Promise<void>;
  /** Moves the phase forward (never back) and optionally fixes the total. */
  advancePhase(id: string, phase: TaskPhase, at: string, total?: number): Promise<void>;
  /** Adds objects listed by discovery, and records the estimate they are counted against. */
  addDiscovered(id: string, count: number, at: string, expectedTotal?: number): Promise<void>;
  /**
   * Adds a batch's counters exactly once: the counters move in the same
   * transaction as a batch marker written only if absent. Returns false when
   * the batch had already been counted (a retried invocation).
   */
  recordBatch(taskId: string, batchKey: string, counters: BatchCounters, items: TaskItem[], at: string, hashes?: Map<string, string>): Promise<boolean>;
  /** The content hashes a sync batch recorded (host id -> hash), if that batch and its marker still exist. */
  getBatchHashes(taskId: string, batchKey: string): Promise<Map<string, string> | undefined>;
  isBatchRecorded(taskId: string, batchKey: string): Promise<boolean>;
  /** Sets a final status unless the task already has one. Returns the task as finished, or undefined if it was already final. */
  finish(id: string, status: TaskStatus, at: string, extra?: { error?: string; missing?: number }): Promise<Task | undefined>;
  putBatchPlans(taskId: string, kind: BatchKind, batches: BatchMember[][]): Promise<void>;
  getBatchPlan(taskId: string, kind: BatchKind, batchIndex: number): Promise<BatchMember[]>;
  /** Every member of every batch of one kind, or of all kinds. */
  listPlannedMembers(taskId: string, kind?: BatchKind): Promise<BatchMember[]>;
  listItems(taskId: string, options: { status?: TaskItem['status']; limit: number; cursor?: string }): Promise<Page<TaskItem>>;
}

export function batchKey(kind: BatchKind, batchIndex: number): string {
  return `${kind}#${String(batchIndex).padStart(6, '0')}`;
}
