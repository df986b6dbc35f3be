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

export type HostSyncState = Pick<Host, 'id' | 'contentHash' | 'status' | 'lastTaskId' | 'lastChange' | 'firstSeenAt'>;

export interface HostStore {
  get(id: string): Promise<Host | undefined>;
  /** Hosts by id, in no particular order; unknown ids are simply absent. */
  getMany(ids: string[]): Promise<Host[]>;
  /** Just what a sync compares, for many hosts: a fraction of the bytes of whole records. */
  getSyncStates(ids: string[]): Promise<HostSyncState[]>;
  /** Writes whole host records; returns the number of write requests sent. */
  putMany(hosts: Host[]): Promise<number>;
  list(filter: HostFilter, options: { limit: number; cursor?: string }): Promise<Page<Host>>;
  /** Keys and status of every host of a platform, page after page. */
  listPlatformHostKeys(platformId: string): AsyncGenerator<PlatformHostKey[]>;
  /** Marks active hosts missing; a host already missing keeps its first missingSince. */
  markMissing(ids: string[], at: string, taskId?: string): Promise<number>;

  /** Writes a new host unless its id is taken; resolves false when it is. */
  create(host: Host): Promise<boolean>;
  /**
   * The host added by hand or by scan at (address, port), or undefined. The
   * address is in normalized form (see normalizeAddress).
   */
  findByAddress(address: string, port: number): Promise<Host | undefined>;
  /** findByAddress for many addresses at once; the map is keyed `${address}#${port}`. */
  findManyByAddress(keys: { address: string; port: number }[]): Promise<Map<string, Host>>;
  /** Sets the given fields and removes the listed ones; resolves undefined when the host does not exist. */
  update(id: string, changes: Record<string, unknown>, remove?: string[]): Promise<Host | undefined>;
  /** Deletes a host; resolves the deleted record, or undefined when it did not exist. */
  delete(id: string): Promise<Host | undefined>;
  /** Up to `limit` hosts that use the credential profile (index read: may lag a write by a moment). */
  listHostsByCredential(credentialId: string, limit: number): Promise<{ id: string; name?: string }[]>;
}

export const addressKey = (address: string, port: number): string => `${address}#${port}`;
