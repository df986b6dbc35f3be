import type { Host, HostKind, HostSource, HostStatus } from '#shared/domain/host.ts';
import type { Page } from './cursor.ts';

export interface HostFilter {
  platformId?: string;
  source?: HostSource;
  kind?: HostKind;
  status?: HostStatus;
  /** Case-insensitive substring of name or address. */
  q?: string;
}

export interface PlatformHostKey {
  id: string;
  status: Host['status'];
  kind: Host['kind'];
  moref?: string;
  name?: string;
  lastSeenAt?: string;
}

export interface HostStore {
  get(id: string): Promise<Host | undefined>;
  /** Hosts by id, in no particular order; unknown ids are simply absent. */
  getMany(ids: string[]): Promise<Host[]>;
  /** Writes whole host records; returns the number of write requests sent. */
  putMany(hosts: Host[]): Promise<number>;
  list(filter: HostFilter, options: { limit: number; cursor?: string }): Promise<Page<Host>>;
  /** Keys and status of every host of a platform, page after page. */
  listPlatformHostKeys(platformId: string): AsyncGenerator<PlatformHostKey[]>;
  /** Marks active hosts missing; a host already missing keeps its first missingSince. */
  markMissing(ids: string[], at: string, taskId?: string): Promise<number>;
}
