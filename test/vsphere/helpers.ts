import { startVcsim, vcsimTool, type VcsimInstance, type VcsimOptions } from '#local/vcsim.ts';
import { VsphereClient, type VsphereConnectionSettings } from '#shared/vsphere/index.ts';
import type { TlsSettings } from '#shared/vsphere/tls.ts';

export interface VmTruth {
  moref: string;
  name: string;
  instanceUuid: string;
  biosUuid: string;
  powerState: string;
  numCPU: number;
  memoryMB: number;
  guestFullName: string;
  hostMoref: string;
}

export interface HostTruth {
  moref: string;
  name: string;
  hardwareUuid: string;
  numCpuThreads: number;
  memorySize: number;
  productFullName: string;
}

export async function groundTruth(sim: VcsimInstance): Promise<{ vms: VmTruth[]; hosts: HostTruth[] }> {
  return JSON.parse(await vcsimTool(['inventory', '-u', sim.toolUrl, '-k'])) as { vms: VmTruth[]; hosts: HostTruth[] };
}

export function settingsFor(sim: VcsimInstance, overrides: Partial<VsphereConnectionSettings> = {}): VsphereConnectionSettings {
  const tls: TlsSettings = { mode: 'thumbprint', thumbprint: sim.thumbprintSha256 };
  return { endpoint: sim.url, username: sim.username, password: sim.password, tls, ...overrides };
}

export function clientFor(sim: VcsimInstance, overrides: Partial<VsphereConnectionSettings> = {}): VsphereClient {
  return new VsphereClient(settingsFor(sim, overrides));
}

export async function withVcsim(opts: VcsimOptions): Promise<VcsimInstance> {
  return startVcsim(opts);
}
