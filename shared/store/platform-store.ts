import type { Platform } from '#shared/domain/platform.ts';
import type { Page } from './cursor.ts';

export interface PlatformStore {
  create(platform: Platform): Promise<void>;
  get(id: string): Promise<Platform | undefined>;
  list(options: { limit: number; cursor?: string }): Promise<Page<Platform>>;
  /** Applies the changes; resolves undefined when the platform does not exist. */
  update(id: string, changes: Partial<Omit<Platform, 'id' | 'createdAt'>>, removeSchedule?: boolean): Promise<Platform | undefined>;
  /** Deletes the row unless a sync holds the lock (checked in the same conditional write). */
  delete(id: string): Promise<DeletePlatformOutcome>;
  /**
   * Releases the one-sync-at-a-time lock held by taskId and records the outcome;
   * `inventoryTaskId` names a sync whose plan now lists every active host.
   */
  finishSync(id: string, taskId: string, lastSync: Platform['lastSync'], inventoryTaskId?: string): Promise<void>;
  /** Forgets the inventory plan, so the next sync reads every host of the platform to find vanished ones. */
  clearInventory(id: string): Promise<void>;
  /** Platforms whose schedule is due at `now`. */
  listDue(now: string): Promise<Platform[]>;
  /** Moves nextSyncAt forward only if it still holds `expected`, so two dispatchers never queue twice. */
  advanceSchedule(id: string, expected: string, next: string): Promise<boolean>;
}

export type DeletePlatformOutcome =
  | { outcome: 'deleted'; platform: Platform }
  | { outcome: 'not-found' }
  | { outcome: 'sync-running'; runningTaskId: string };
