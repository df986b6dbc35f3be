import type { HostFacts } from '#shared/domain/host.ts';
import type { PlatformHostRecord } from './platform-inventory.ts';

/** A platform record as host facts; a VM's ESXi host moref becomes that host's record id. */
export function toHostFacts(record: PlatformHostRecord, esxiIdByMoref: Map<string, string>): HostFacts {
  const esxiHostId = record.hostMoref ? esxiIdByMoref.get(record.hostMoref) : undefined;
  return {
    kind: record.kind,
    name: record.name,
    moref: record.moref,
    ...(record.instanceUuid ? { instanceUuid: record.instanceUuid } : {}),
    ...(record.powerState ? { powerState: record.powerState } : {}),
    ...(record.cpuCount !== undefined ? { cpuCount: record.cpuCount } : {}),
    ...(record.memoryMb !== undefined ? { memoryMb: record.memoryMb } : {}),
    ipAddresses: record.ipAddresses,
    ...(record.osName ? { osName: record.osName } : {}),
    ...(esxiHostId ? { esxiHostId } : {}),
    facts: record.facts,
  };
}
