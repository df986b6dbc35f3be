// Windows collector: one SSH connection, one exec of the PowerShell inventory command
// (./command.ts), the JSON parsed into HostFacts (./parse.ts).
//
// Failures are per host and carry a stable code; they never throw:
// - transport failures keep runRemoteCommand's code (AUTH_FAILED, UNREACHABLE, TIMEOUT,
//   HOST_KEY_CHANGED, COLLECTION_FAILED);
// - a non-zero exit status, output that is not the inventory JSON object, or an output in
//   which every CIM class failed -> COLLECTION_FAILED, with a short excerpt of what the
//   host printed (CLIXML envelopes reduced to their error text; at most 300 characters).
// A single class that failed is not a failure: it is a missing fact (facts.unavailable).

import { CollectorError } from '../collector.ts';
import type { CollectionResult, CollectorErrorCode, RemoteTarget } from '../collector.ts';
import { runRemoteCommand } from '../ssh/run-command.ts';
import { windowsClassKeys, windowsInventoryCommand } from './command.ts';
import { parseWindowsInventory, readWindowsJson } from './parse.ts';

export const EXCERPT_MAX_CHARS = 300;

const xmlEntities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeClixmlText(text: string): string {
  return text
    .replace(/_x([0-9a-fA-F]{4})_/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/&(lt|gt|amp|quot|apos);/g, (_m, name: string) => xmlEntities[name] ?? '');
}

/**
 * What a person should read of a command's output: Windows PowerShell serialises its
 * error and progress streams as CLIXML (`#< CLIXML` then `<Objs>...`) when stdout is not
 * a console. Keeps the text of error records, drops progress records and markup,
 * collapses whitespace and cuts to `max` characters.
 */
export function outputExcerpt(output: string, max = EXCERPT_MAX_CHARS): string {
  let text = output;
  if (text.includes('#< CLIXML') || text.includes('<Objs')) {
    const errors = [...text.matchAll(/<S S="Error">([\s\S]*?)<\/S>/g)].map((m) => decodeClixmlText(m[1] ?? ''));
    const outside = text
      .replaceAll('#< CLIXML', ' ')
      .replace(/<Objs[\s\S]*?(<\/Objs>|$)/g, ' ')
      .replace(/<[^>]*>/g, ' ');
    text = [outside, ...errors].join(' ');
  }
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function failure(code: CollectorErrorCode, message: string, hostKey?: string): CollectionResult {
  return hostKey === undefined || hostKey === '' ? { ok: false, code, message } : { ok: false, code, message, hostKey };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Collects one Windows host over SSH. Never throws; one host's failure is its own. */
export async function collectWindows(target: RemoteTarget): Promise<CollectionResult> {
  const where = `${target.address}:${target.port}`;
  let result: Awaited<ReturnType<typeof runRemoteCommand>>;
  try {
    result = await runRemoteCommand(target, windowsInventoryCommand);
  } catch (error) {
    if (error instanceof CollectorError) return failure(error.code, error.message, error.hostKey);
    return failure('COLLECTION_FAILED', `${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { stdout, stderr, exitCode, hostKey } = result;

  if (exitCode !== 0) {
    const said = outputExcerpt(stderr) || outputExcerpt(stdout) || 'no output';
    const status = exitCode === null ? 'without an exit status' : `with exit status ${exitCode}`;
    return failure('COLLECTION_FAILED', `${where}: PowerShell inventory command ended ${status}: ${said}`, hostKey);
  }

  const read = readWindowsJson(stdout);
  if (!read.ok) {
    const said = outputExcerpt(stdout) || outputExcerpt(stderr);
    return failure('COLLECTION_FAILED', `${where}: ${read.reason}${said ? `: ${said}` : ''}`, hostKey);
  }
  if (!isRecord(read.value)) {
    return failure('COLLECTION_FAILED', `${where}: the command output is JSON but not the inventory object: ${outputExcerpt(stdout)}`, hostKey);
  }

  const root = read.value;
  const nothingRead = windowsClassKeys.every((key) => root[key] === null || root[key] === undefined);
  if (nothingRead) {
    const errors = isRecord(root['errors']) ? Object.entries(root['errors']).map(([k, v]) => `${k}: ${String(v).trim()}`) : [];
    return failure('COLLECTION_FAILED', `${where}: no CIM class could be read: ${outputExcerpt(errors.join('; ')) || 'no detail'}`, hostKey);
  }

  return { ok: true, facts: parseWindowsInventory(root, { fallbackName: target.address }), hostKey };
}
