import type { InventoryRecord } from '#shared/vsphere/index.ts';

/**
 * What a sync needs from a virtualization platform, independent of the
 * protocol: list what exists (cheaply), then fetch full records for one batch.
 * The vSphere implementation lives in shared/vsphere.
 */
export type PlatformObjectKind = 'esxi' | 'vm';

export interface DiscoveredObject {
  moref: string;
  /** VM instance UUID or ESXi hardware UUID; absent on odd objects, then the moref stands in. */
  uuid?: string;
  /** ESXi hosts: the VMs they run, so a first sync knows roughly how many VMs discovery will list. */
  vmCount?: number;
}

export interface PlatformHostRecord {
  kind: PlatformObjectKind;
  moref: string;
  instanceUuid?: string;
  name: string;
  powerState?: string;
  cpuCount?: number;
  memoryMb?: number;
  ipAddresses: string[];
  osName?: string;
  /** A VM's ESXi host. */
  hostMoref?: string;
  facts: Record<string, unknown>;
}

export interface PlatformInventory {
  /** Pages of objects of one kind, page after page as the platform returns them. */
  discover(kind: PlatformObjectKind): AsyncIterable<DiscoveredObject[]>;
  /** Full records for exactly these objects, in one round of calls; vanished ones are listed as missing. */
  fetch(kind: PlatformObjectKind, morefs: string[]): Promise<{ records: PlatformHostRecord[]; missing: string[] }>;
}

/** The stable code of a platform error (VsphereError and collector errors carry one), else COLLECTION_FAILED. */
export function platformErrorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : 'COLLECTION_FAILED';
}

/** A vSphere inventory record as the protocol-free record the sync works with. */
export function toPlatformHostRecord(record: InventoryRecord): PlatformHostRecord {
  return {
    kind: record.kind,
    moref: record.moref,
    name: record.name ?? record.moref,
    ipAddresses: record.ipAddresses,
    facts: record.facts,
    ...(record.instanceUuid ? { instanceUuid: record.instanceUuid } : {}),
    ...(record.powerState ? { powerState: record.powerState } : {}),
    ...(record.cpuCount !== undefined ? { cpuCount: record.cpuCount } : {}),
    ...(record.memoryMb !== undefined ? { memoryMb: record.memoryMb } : {}),
    ...(record.osName ? { osName: record.osName } : {}),
    ...(record.hostMoref ? { hostMoref: record.hostMoref } : {}),
  };
}
