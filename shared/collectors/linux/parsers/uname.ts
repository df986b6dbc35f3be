import { keyValues } from '../sections.ts';

export interface UnameFacts {
  kernelName?: string;
  kernel?: string;
  architecture?: string;
}

/** Parses the uname section: sysname=, release=, machine= lines. */
export function parseUname(text: string | undefined): UnameFacts | undefined {
  const kv = keyValues(text);
  const out: UnameFacts = {};
  const sysname = kv.get('sysname');
  const release = kv.get('release');
  const machine = kv.get('machine');
  if (sysname) out.kernelName = sysname;
  if (release) out.kernel = release;
  if (machine) out.architecture = machine;
  return Object.keys(out).length > 0 ? out : undefined;
}
