import { startVcsim, vcsimTool, type VcsimInstance, type VcsimOptions } from '#local/vcsim.ts';
import assert from 'node:assert/strict';
import { VsphereClient, VsphereError, type VsphereConnectionSettings } from '#shared/vsphere/index.ts';
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

/** Every page an async page iterator yields. */
export async function collectPages<T>(pages: AsyncIterable<T[]>): Promise<T[][]> {
  const all: T[][] = [];
  for await (const page of pages) all.push(page);
  return all;
}

/** The VsphereError a promise rejects with; fails the test on anything else. */
export async function vsphereError(promise: Promise<unknown>): Promise<VsphereError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof VsphereError, `expected VsphereError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a VsphereError');
}
