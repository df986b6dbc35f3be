// Shapes shared by the client and the property collector helpers.

export type InventoryType = 'VirtualMachine' | 'HostSystem';

/** One object of a property collector answer, values already converted. */
export interface ObjectContent {
  moref: string;
  type: string;
  /** by property path; a path the server could not read is absent */
  properties: Record<string, unknown>;
  /** property path -> fault type, for paths the server reported missing */
  missing: Record<string, string>;
}

export interface RetrieveResult {
  objects: ObjectContent[];
  /** morefs asked for that no longer exist */
  missing: string[];
}

export interface MoRefArg {
  attributes: { type: string };
  $value: string;
}

/** A ManagedObjectReference argument as node-soap serialises it: <x type="T">value</x>. */
export function moRef(type: string, value: string): MoRefArg {
  return { attributes: { type }, $value: value };
}
