import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { apiHandler, badRequest, HttpProblem, type FieldError } from '#http';
import { credentials, hosts, secrets } from '#stores';
import { toSecret } from '#shared/domain/credential.ts';
import {
  contentHashOf,
  credentialFieldsOf,
  factsOf,
  importHostsSchema,
  isRemoteHost,
  maxImportHosts,
  newRemoteHost,
  remoteHostId,
  type CreateHostInput,
  type Host,
  type RemoteHost,
} from '#shared/domain/host.ts';
import { hostSecretId } from '#shared/secrets/secret-store.ts';
import { addressKey } from '#shared/store/host-store.ts';

/** Only "an array" here: the count is checked (413) before the items are validated (400). */
const arrayBody = z.array(z.unknown());

const maxReportedErrors = 100;
const secretWriters = 16;

export interface ImportOutcome {
  id: string;
  address: string;
  port: number;
  outcome: 'created' | 'updated';
}

/**
 * POST /api/hosts/import: scan results. Everything is checked before anything
 * is written (schema, duplicates within the array, credential profiles); then
 * secrets, then rows. An (address, port) already known updates that host
 * (name if given, kind, credential; it is active again), whatever its source;
 * new ones are created with source "scan". Re-sending the same import (after a
 * timeout, say) converges: new hosts get ids derived from their address.
 */
export const handler = apiHandler({ body: arrayBody }, async ({ body }) => {
  if (body.length > maxImportHosts) {
    throw new HttpProblem(413, 'Content Too Large', `an import takes at most ${maxImportHosts} hosts; this one has ${body.length}`);
  }
  const items = parseItems(body);
  await checkProfiles(items);

  const now = new Date().toISOString();
  const existing = await hosts().findManyByAddress(items.map(({ address, port }) => ({ address, port })));
  const fresh = items.filter((item) => !existing.has(addressKey(item.address, item.port)));
  // A derived id can be held by a host whose address was changed since: such new hosts get a random id.
  const taken = new Set((await hosts().getMany(fresh.map((item) => remoteHostId(item.address, item.port)))).map((host) => host.id));

  const records: RemoteHost[] = [];
  const outcomes: ImportOutcome[] = [];
  const inlineSecrets: { id: string; item: CreateHostInput }[] = [];
  const staleInlineSecrets: string[] = [];
  for (const item of items) {
    const current = existing.get(addressKey(item.address, item.port));
    const record = current ? updatedHost(current, item, now) : newRemoteHost(newId(item, taken), 'scan', item, now);
    records.push(record);
    outcomes.push({ id: record.id, address: record.address, port: record.port, outcome: current ? 'updated' : 'created' });
    if (item.credential) inlineSecrets.push({ id: record.id, item });
    else if (current && isRemoteHost(current) && current.credentialRef.type === 'inline') staleInlineSecrets.push(current.id);
  }

  // Secrets first: a host row never exists without its credential.
  await inParallel(inlineSecrets, secretWriters, ({ id, item }) => secrets().put(hostSecretId(id), toSecret(item.credential!)));
  await hosts().putMany(records);
  // Hosts moved from an inline credential to a profile: their own secret is no longer used.
  await inParallel(staleInlineSecrets, secretWriters, (id) => secrets().delete(hostSecretId(id)));

  const created = outcomes.filter((outcome) => outcome.outcome === 'created').length;
  return { statusCode: 200, body: { created, updated: outcomes.length - created, items: outcomes } };
});

function parseItems(body: unknown[]): CreateHostInput[] {
  const result = importHostsSchema.safeParse(body);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.slice(0, maxReportedErrors).map((issue) => ({
    path: ['body', ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const more = result.error.issues.length - errors.length;
  throw badRequest(`the body does not match the expected schema${more > 0 ? ` (${more} more errors not listed)` : ''}; nothing was imported`, errors);
}

async function checkProfiles(items: CreateHostInput[]): Promise<void> {
  const ids = [...new Set(items.flatMap((item) => (item.credentialId !== undefined ? [item.credentialId] : [])))];
  if (ids.length === 0) return;
  const known = new Set((await credentials().getMany(ids)).map((profile) => profile.id));
  const errors: FieldError[] = [];
  items.forEach((item, index) => {
    if (item.credentialId !== undefined && !known.has(item.credentialId)) {
      errors.push({ path: `body.${index}.credentialId`, message: `credential profile ${item.credentialId} does not exist` });
    }
  });
  if (errors.length > 0) {
    const unknown = ids.filter((id) => !known.has(id));
    throw new HttpProblem(404, 'Not Found', `unknown credential profiles: ${unknown.slice(0, 20).join(', ')}; nothing was imported`, {
      errors: errors.slice(0, maxReportedErrors),
      extra: { credentialIds: unknown },
    });
  }
}

function newId(item: CreateHostInput, taken: Set<string>): string {
  const derived = remoteHostId(item.address, item.port);
  return taken.has(derived) ? `host-${randomUUID()}` : derived;
}

/** The known host, as this scan sees it. Collected facts, host key and source stay. */
function updatedHost(current: Host, item: CreateHostInput, now: string): RemoteHost {
  const { missingSince: _missing, credentialId: _credentialId, ...rest } = current as RemoteHost;
  const name = item.name ?? current.name;
  const host: RemoteHost = {
    ...rest,
    kind: item.kind,
    name,
    searchName: name.toLowerCase(),
    address: item.address,
    port: item.port,
    ...credentialFieldsOf(item),
    status: 'active',
    lastSeenAt: now,
  };
  return { ...host, contentHash: contentHashOf(factsOf(host)) };
}

async function inParallel<T>(items: T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, queue.length) }, worker));
}
