// Record-level reads used by the sync steps: each page or batch costs one
// RetrievePropertiesEx for the objects (plus its continuation pages) and one for the
// cluster/datacenter names of their hosts, whatever the number of properties.
import type { VsphereClient } from './client.ts';
import { esxiDiscoveryPathSet, esxiPathSet, toEsxiRecord } from './esxi-properties.ts';
import { resolvePlacement } from './placement.ts';
import { str, type InventoryRecord } from './records.ts';
import type { InventoryType, ObjectContent } from './vim-types.ts';
import { toVmRecord, vmDiscoveryPathSet, vmPathSet } from './vm-properties.ts';

export type RecordKind = 'vm' | 'esxi';

export interface DiscoveredObject {
  moref: string;
  /** stable id (VM instance UUID, host hardware UUID); undefined if unreadable */
  instanceUuid: string | undefined;
  name: string | undefined;
  /** ESXi hosts: how many VMs they run (from the host's `vm` list). */
  vmCount?: number;
}

const managedType: Record<RecordKind, InventoryType> = { vm: 'VirtualMachine', esxi: 'HostSystem' };

/** Plan step: ids and names of every VM or host, page by page. */
export async function* discover(client: VsphereClient, kind: RecordKind, pageSize = 1000): AsyncGenerator<DiscoveredObject[]> {
  const pathSet = kind === 'vm' ? vmDiscoveryPathSet : esxiDiscoveryPathSet;
  const idPath = pathSet[1]!;
  for await (const page of client.listContainerObjects(managedType[kind], pathSet, pageSize)) {
    yield page.map((o) => ({
      moref: o.moref,
      instanceUuid: str(o.properties[idPath]),
      name: str(o.properties.name),
      ...(kind === 'esxi' ? { vmCount: Array.isArray(o.properties.vm) ? o.properties.vm.length : 0 } : {}),
    }));
  }
}

/** Full records of every VM or host, page by page. */
export async function* listRecords(client: VsphereClient, kind: RecordKind, pageSize = 1000): AsyncGenerator<InventoryRecord[]> {
  const pathSet = kind === 'vm' ? vmPathSet : esxiPathSet;
  for await (const page of client.listContainerObjects(managedType[kind], pathSet, pageSize)) {
    yield toRecords(client, kind, page);
  }
}

/** Full records of exactly these objects (a batch); vanished ones are listed in `missing`. */
export async function retrieveRecords(
  client: VsphereClient,
  kind: RecordKind,
  morefs: string[],
): Promise<{ records: InventoryRecord[]; missing: string[] }> {
  const pathSet = kind === 'vm' ? vmPathSet : esxiPathSet;
  const { objects, missing } = await client.retrieveObjects(managedType[kind], morefs, pathSet);
  return { records: await toRecords(client, kind, objects), missing };
}

async function toRecords(client: VsphereClient, kind: RecordKind, objects: ObjectContent[]): Promise<InventoryRecord[]> {
  if (kind === 'esxi') {
    const placement = await resolvePlacement(client, objects.map((o) => o.moref));
    return objects.map((o) => toEsxiRecord(o, placement));
  }
  const hosts = objects.map((o) => str(o.properties['runtime.host'])).filter((h): h is string => h !== undefined);
  const placement = await resolvePlacement(client, hosts);
  return objects.map((o) => toVmRecord(o, placement));
}
