import { keyValues } from '../sections.ts';

export interface DmiFacts {
  vendor?: string;
  product?: string;
  version?: string;
  serial?: string;
  uuid?: string;
  boardVendor?: string;
  boardName?: string;
  chassisVendor?: string;
  biosVendor?: string;
  biosVersion?: string;
}

const KEYS: Record<string, keyof DmiFacts> = {
  sys_vendor: 'vendor',
  product_name: 'product',
  product_version: 'version',
  product_serial: 'serial',
  product_uuid: 'uuid',
  board_vendor: 'boardVendor',
  board_name: 'boardName',
  chassis_vendor: 'chassisVendor',
  bios_vendor: 'biosVendor',
  bios_version: 'biosVersion',
};

/** Firmware placeholders that identify nothing. */
const PLACEHOLDER = /^(to be filled by o\.?e\.?m\.?|not specified|not applicable|default string|system serial number|system product name|none|n\/a|0+|x+|unknown|0{8}-0{4}-0{4}-0{4}-0{12})$/i;

/**
 * Parses the dmi section (key=value from /sys/class/dmi/id). product_serial and
 * product_uuid are usually readable by root only: they are simply absent then.
 */
export function parseDmi(text: string | undefined): DmiFacts | undefined {
  const out: DmiFacts = {};
  for (const [key, raw] of keyValues(text)) {
    const field = KEYS[key];
    const value = raw.replace(/\s+/g, ' ').trim();
    if (!field || value === '' || PLACEHOLDER.test(value)) continue;
    out[field] = field === 'uuid' ? value.toLowerCase() : value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
