// Plain inventory records produced from property collector objects, and small
// readers that tolerate the untyped strings of nested data objects.

export interface InventoryRecord {
  kind: 'vm' | 'esxi';
  moref: string;
  /** stable id: VM config.instanceUuid, host hardware.systemInfo.uuid */
  instanceUuid: string | undefined;
  name: string | undefined;
  powerState: string | undefined;
  cpuCount: number | undefined;
  memoryMb: number | undefined;
  ipAddresses: string[];
  osName: string | undefined;
  /** the ESXi host a VM runs on */
  hostMoref?: string;
  facts: Record<string, unknown>;
}

/** Where an object sits: names of its cluster (if any) and datacenter. */
export interface Placement {
  cluster?: string;
  datacenter?: string;
}

export type PlacementLookup = (hostMoref: string | undefined) => Placement;

export const noPlacement: PlacementLookup = () => ({});

export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Numbers nested in data objects arrive as text; top-level typed ones as numbers. */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return undefined;
}

export function list(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

export function obj(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Drops undefined facts so records compare and hash stably. */
export function compact(facts: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined));
}

export function uniqueStrings(values: unknown[]): string[] {
  return [...new Set(values.map(str).filter((v): v is string => v !== undefined))];
}
