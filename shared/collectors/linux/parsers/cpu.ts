import { linesOf, toInt } from '../sections.ts';

export interface CpuFacts {
  model?: string;
  /** Logical CPUs (threads) the kernel sees. */
  logical?: number;
  /** Physical cores (distinct socket/core pairs). */
  physicalCores?: number;
  sockets?: number;
  /** True when the CPU flags include 'hypervisor' (running as a guest). */
  hypervisorFlag?: boolean;
}

/** Counts CPUs in a kernel cpu list such as "0-3,8-11" or "0". */
export function countCpuList(list: string | undefined): number | undefined {
  if (list === undefined) return undefined;
  const text = list.trim();
  if (text === '') return undefined;
  let count = 0;
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m?.[1]) return undefined;
    const from = Number(m[1]);
    const to = m[2] !== undefined ? Number(m[2]) : from;
    if (to < from || to - from > 1_000_000) return undefined;
    count += to - from + 1;
  }
  return count;
}

const MODEL_KEYS = ['model name', 'cpu model', 'processor model', 'cpu', 'hardware', 'model'];

/**
 * Parses /proc/cpuinfo, with /sys topology ("cpuN package core" lines) and
 * /sys/devices/system/cpu/online as fallbacks (ARM has no 'physical id').
 */
export function parseCpu(cpuinfo: string | undefined, topology?: string, online?: string): CpuFacts | undefined {
  const blocks: Map<string, string>[] = [];
  let block = new Map<string, string>();
  const global = new Map<string, string>();
  for (const line of (cpuinfo ?? '').split('\n')) {
    if (line.trim() === '') {
      if (block.size > 0) blocks.push(block);
      block = new Map();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    block.set(key, value);
    if (!global.has(key)) global.set(key, value);
  }
  if (block.size > 0) blocks.push(block);

  const out: CpuFacts = {};
  const processors = blocks.filter((b) => b.has('processor') && toInt(b.get('processor')) !== undefined);
  for (const key of MODEL_KEYS) {
    const v = global.get(key);
    // 'model' on x86 is a number; only take it when it reads like a name.
    if (v !== undefined && v !== '' && !/^\d+$/.test(v)) {
      out.model = v.replace(/\s+/g, ' ');
      break;
    }
  }

  const onlineCount = countCpuList(online);
  if (processors.length > 0) out.logical = processors.length;
  else if (onlineCount !== undefined) out.logical = onlineCount;

  const cores = new Set<string>();
  const sockets = new Set<string>();
  for (const b of processors) {
    const pkg = b.get('physical id');
    const core = b.get('core id');
    if (pkg !== undefined) sockets.add(pkg);
    if (pkg !== undefined && core !== undefined) cores.add(`${pkg}/${core}`);
  }
  if (cores.size === 0) {
    const topo = linesOf(topology)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length === 3 && /^-?\d+$/.test(f[1] ?? '') && /^-?\d+$/.test(f[2] ?? ''));
    for (const [, pkg, core] of topo) {
      sockets.add(pkg ?? '');
      cores.add(`${pkg}/${core}`);
    }
    if (out.logical === undefined && topo.length > 0) out.logical = topo.length;
  }
  if (cores.size > 0) out.physicalCores = cores.size;
  if (sockets.size > 0) out.sockets = sockets.size;

  const flags = global.get('flags');
  if (flags !== undefined) out.hypervisorFlag = flags.split(/\s+/).includes('hypervisor');

  return Object.keys(out).length > 0 ? out : undefined;
}
