import { createHash } from 'node:crypto';

export type HostSource = 'platform' | 'scan' | 'manual';
export type HostKind = 'vm' | 'esxi' | 'linux' | 'windows';
export type HostStatus = 'active' | 'missing';

/** The facts a collector reports about one machine; everything else is bookkeeping. */
export interface HostFacts {
  kind: HostKind;
  name: string;
  moref?: string;
  instanceUuid?: string;
  powerState?: string;
  cpuCount?: number;
  memoryMb?: number;
  ipAddresses: string[];
  osName?: string;
  esxiHostId?: string;
  facts: Record<string, unknown>;
}

export interface Host extends HostFacts {
  id: string;
  source: HostSource;
  platformId?: string;
  status: HostStatus;
  /** Hash of the collected facts: a sync writes a host only when it changes. */
  contentHash: string;
  firstSeenAt: string;
  lastSeenAt: string;
  lastCollectedAt?: string;
  lastTaskId?: string;
  /** How lastTaskId changed this host, so a retried batch classifies it the same way. */
  lastChange?: 'created' | 'updated';
  missingSince?: string;
  /** Lower-cased name, for the case-insensitive `q` filter. */
  searchName?: string;
}

/**
 * Platform hosts get ids derived from (platform, kind, vSphere UUID): the
 * upsert needs no lookup index, and a VM re-registered under a new moref keeps
 * its id because its instance UUID does not change.
 */
export function platformHostId(platformId: string, kind: 'vm' | 'esxi', uuidOrMoref: string): string {
  const digest = createHash('sha256').update(`${platformId}\u0000${kind}\u0000${uuidOrMoref.toLowerCase()}`).digest('hex');
  return `${kind}-${digest.slice(0, 24)}`;
}

export function contentHashOf(facts: HostFacts): string {
  return createHash('sha256').update(stableJson(facts)).digest('base64url');
}

/** JSON with sorted keys, so equal facts hash equally whatever their key order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function toHostView(host: Host): Omit<Host, 'contentHash' | 'lastChange' | 'searchName'> {
  const { contentHash: _hash, lastChange: _change, searchName: _searchName, ...view } = host;
  return view;
}
