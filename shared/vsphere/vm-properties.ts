// Which VirtualMachine properties a sync reads, and how they become a record.
// Leaf paths are preferred so values arrive typed (numbers, booleans); arrays of
// data objects (devices, guest NICs) arrive with untyped nested text and are read
// with the tolerant helpers of records.ts.
import type { ObjectContent } from './vim-types.ts';
import { compact, list, noPlacement, num, obj, str, uniqueStrings, type InventoryRecord, type PlacementLookup } from './records.ts';

/** Enough for the plan step: the stable id and a name. */
export const vmDiscoveryPathSet = ['name', 'config.instanceUuid'];

export const vmPathSet = [
  'name',
  'config.instanceUuid',
  'config.uuid',
  'config.guestFullName',
  'config.guestId',
  'config.annotation',
  'config.hardware.numCPU',
  'config.hardware.memoryMB',
  'config.hardware.device',
  'runtime.powerState',
  'runtime.host',
  'guest.guestFullName',
  'guest.hostName',
  'guest.ipAddress',
  'guest.net',
  'guest.toolsStatus',
];

export interface VmDisk {
  label: string | undefined;
  capacityBytes: number | undefined;
}

export interface VmNic {
  label: string | undefined;
  macAddress: string | undefined;
  network: string | undefined;
}

export function toVmRecord(object: ObjectContent, placementOf: PlacementLookup = noPlacement): InventoryRecord {
  const p = object.properties;
  const hostMoref = str(p['runtime.host']);
  const placement = placementOf(hostMoref);
  const devices = list(p['config.hardware.device']).map(obj);
  const guestNics = list(p['guest.net']).map(obj);
  return {
    kind: 'vm',
    moref: object.moref,
    instanceUuid: str(p['config.instanceUuid']),
    name: str(p.name),
    powerState: str(p['runtime.powerState']),
    cpuCount: num(p['config.hardware.numCPU']),
    memoryMb: num(p['config.hardware.memoryMB']),
    ipAddresses: vmIpAddresses(p['guest.ipAddress'], guestNics),
    // What the guest reports beats what was configured at creation.
    osName: str(p['guest.guestFullName']) ?? str(p['config.guestFullName']),
    ...(hostMoref ? { hostMoref } : {}),
    facts: compact({
      biosUuid: str(p['config.uuid']),
      guestHostname: str(p['guest.hostName']),
      guestId: str(p['config.guestId']),
      annotation: str(p['config.annotation']),
      toolsStatus: str(p['guest.toolsStatus']),
      cluster: placement.cluster,
      datacenter: placement.datacenter,
      disks: devices.filter(isDisk).map(toDisk),
      nics: devices.filter(isNic).map((d) => toNic(d, guestNics)),
    }),
  };
}

function vmIpAddresses(primary: unknown, guestNics: Record<string, unknown>[]): string[] {
  return uniqueStrings([primary, ...guestNics.flatMap((nic) => list(nic.ipAddress))]);
}

// Device types are recognised by shape: nested items lose their xsi:type on conversion.
function isDisk(device: Record<string, unknown>): boolean {
  return 'capacityInKB' in device || 'capacityInBytes' in device;
}

function isNic(device: Record<string, unknown>): boolean {
  return 'macAddress' in device || 'addressType' in device;
}

function label(device: Record<string, unknown>): string | undefined {
  return str(obj(device.deviceInfo).label);
}

function toDisk(device: Record<string, unknown>): VmDisk {
  const kb = num(device.capacityInKB);
  return { label: label(device), capacityBytes: num(device.capacityInBytes) ?? (kb === undefined ? undefined : kb * 1024) };
}

/** Network name from the guest's view when tools run, else from the backing. */
function toNic(device: Record<string, unknown>, guestNics: Record<string, unknown>[]): VmNic {
  const key = str(device.key);
  const guest = guestNics.find((g) => key !== undefined && str(g.deviceConfigId) === key);
  const backing = obj(device.backing);
  const network = str(guest?.network) ?? str(backing.deviceName) ?? str(obj(backing.port).portgroupKey) ?? str(backing.network);
  return { label: label(device), macAddress: str(device.macAddress), network };
}
