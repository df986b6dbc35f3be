import { linesOf } from '../sections.ts';

export interface MemoryFacts {
  /** MemTotal in MiB, rounded down. */
  totalMb?: number;
  swapMb?: number;
  availableMb?: number;
}

/** Parses /proc/meminfo ("MemTotal:  16318412 kB"). */
export function parseMeminfo(text: string | undefined): MemoryFacts | undefined {
  const kb = new Map<string, number>();
  for (const line of linesOf(text)) {
    const m = /^([A-Za-z0-9_()]+):\s*(\d+)\s*(kB)?\s*$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) {
      const n = Number(m[2]);
      if (Number.isSafeInteger(n)) kb.set(m[1], n);
    }
  }
  const mib = (key: string) => {
    const v = kb.get(key);
    return v === undefined ? undefined : Math.floor(v / 1024);
  };
  const out: MemoryFacts = {};
  const total = mib('MemTotal');
  const swap = mib('SwapTotal');
  const available = mib('MemAvailable');
  if (total !== undefined) out.totalMb = total;
  if (swap !== undefined) out.swapMb = swap;
  if (available !== undefined) out.availableMb = available;
  return Object.keys(out).length > 0 ? out : undefined;
}
