import { linesOf, toInt } from '../sections.ts';

export interface BlockDevice {
  name: string;
  sizeBytes: number;
  model?: string;
  removable?: boolean;
}

/** Virtual devices that say nothing about the machine's disks. */
const SKIP = /^(loop|ram|zram|fd|dm-|nbd)\d*/;

/**
 * Parses "name<TAB>sectors<TAB>removable<TAB>model" lines built from
 * /sys/block/* (sizes are in 512-byte sectors whatever the device's block size).
 * Devices of size 0 (empty CD drives, unused loops) are left out.
 */
export function parseBlockDevices(text: string | undefined): BlockDevice[] | undefined {
  if (text === undefined) return undefined;
  const out: BlockDevice[] = [];
  for (const line of linesOf(text)) {
    const [name, sectors, removable, ...modelParts] = line.split('\t');
    if (!name || SKIP.test(name)) continue;
    const size = toInt(sectors);
    if (size === undefined || size === 0) continue;
    const device: BlockDevice = { name: name.trim(), sizeBytes: size * 512 };
    const model = modelParts.join(' ').trim();
    if (model !== '') device.model = model.replace(/\s+/g, ' ');
    if (removable === '1') device.removable = true;
    out.push(device);
  }
  return out;
}
