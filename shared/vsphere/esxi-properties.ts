// Which HostSystem properties a sync reads, and how they become a record. The
// summary.* leaves are cached by vCenter and stay readable while a host is
// disconnected; hardware.systemInfo is read whole because serialNumber only exists
// from API 6.7 and naming it would fault the whole call on older servers.
import type { ObjectContent } from './vim-types.ts';
import { bool, compact, list, noPlacement, num, obj, str, uniqueStrings, type InventoryRecord, type PlacementLookup } from './records.ts';

/** Enough for the plan step: the stable id and a name, and the host's VMs, which size the VM discovery ahead. */
export const esxiDiscoveryPathSet = ['name', 'hardware.systemInfo.uuid', 'vm'];

export const esxiPathSet = [
  'name',
  'hardware.systemInfo',
  'hardware.memorySize',
  'summary.hardware.cpuModel',
  'summary.hardware.numCpuPkgs',
  'summary.hardware.numCpuCores',
  'summary.hardware.numCpuThreads',
  'summary.config.product.name',
  'summary.config.product.fullName',
  'summary.config.product.version',
  'summary.config.product.build',
  'runtime.connectionState',
  'runtime.powerState',
  'runtime.inMaintenanceMode',
  'config.network.vnic',
];

const serialTags = new Set(['SerialNumberTag', 'ServiceTag', 'EnclosureSerialNumberTag']);

export function toEsxiRecord(object: ObjectContent, placementOf: PlacementLookup = noPlacement): InventoryRecord {
  const p = object.properties;
  const systemInfo = obj(p['hardware.systemInfo']);
  const memoryBytes = num(p['hardware.memorySize']);
  const threads = num(p['summary.hardware.numCpuThreads']);
  const placement = placementOf(object.moref);
  return {
    kind: 'esxi',
    moref: object.moref,
    instanceUuid: str(systemInfo.uuid),
    name: str(p.name),
    powerState: str(p['runtime.powerState']),
    // Logical CPUs, the figure capacity planning compares with VM vCPUs.
    cpuCount: threads,
    memoryMb: memoryBytes === undefined ? undefined : Math.round(memoryBytes / (1024 * 1024)),
    ipAddresses: vmkernelAddresses(p['config.network.vnic']),
    osName: str(p['summary.config.product.fullName']),
    facts: compact({
      hardwareUuid: str(systemInfo.uuid),
      vendor: str(systemInfo.vendor),
      model: str(systemInfo.model),
      serialNumber: serialNumberOf(systemInfo),
      cpuModel: str(p['summary.hardware.cpuModel']),
      cpuSockets: num(p['summary.hardware.numCpuPkgs']),
      cpuCores: num(p['summary.hardware.numCpuCores']),
      cpuThreads: threads,
      memoryBytes,
      productName: str(p['summary.config.product.name']),
      productVersion: str(p['summary.config.product.version']),
      productBuild: str(p['summary.config.product.build']),
      connectionState: str(p['runtime.connectionState']),
      inMaintenanceMode: bool(p['runtime.inMaintenanceMode']),
      cluster: placement.cluster,
      datacenter: placement.datacenter,
    }),
  };
}

function serialNumberOf(systemInfo: Record<string, unknown>): string | undefined {
  const direct = str(systemInfo.serialNumber);
  if (direct) return direct;
  const tagged = list(systemInfo.otherIdentifyingInfo)
    .map(obj)
    .find((info) => serialTags.has(str(obj(info.identifierType).key) ?? ''));
  return tagged ? str(tagged.identifierValue) : undefined;
}

function vmkernelAddresses(vnics: unknown): string[] {
  return uniqueStrings(list(vnics).map((vnic) => obj(obj(obj(vnic).spec).ip).ipAddress));
}
