import { keyValues } from '../sections.ts';

export interface UptimeFacts {
  uptimeSeconds: number;
  /** ISO 8601, whole seconds, computed from the remote clock when it was reported. */
  bootTime?: string;
}

/** Parses /proc/uptime ("350735.47 234388.90") and the meta section's epoch=. */
export function parseUptime(uptime: string | undefined, meta: string | undefined, localNowMs: number = Date.now()): UptimeFacts | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s/.exec(`${uptime ?? ''} `);
  if (!m?.[1]) return undefined;
  const uptimeSeconds = Math.floor(Number(m[1]));
  if (!Number.isSafeInteger(uptimeSeconds)) return undefined;
  const epochText = keyValues(meta).get('epoch');
  const epoch = epochText !== undefined && /^\d+$/.test(epochText) ? Number(epochText) : Math.floor(localNowMs / 1000);
  const out: UptimeFacts = { uptimeSeconds };
  const boot = new Date((epoch - uptimeSeconds) * 1000);
  if (!Number.isNaN(boot.getTime())) out.bootTime = boot.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return out;
}
