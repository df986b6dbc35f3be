import { createHash } from 'node:crypto';

export type HostSource = 'platform' | 'scan' | 'manual';
export type HostKind = 'vm' | 'esxi' | 'linux' | 'windows';
export type HostStatus = 'active' | 'missing';

/** The facts a collector reports about one machine; everything else is bookkeeping. */
export interface HostFacts {
  kind: HostKind;
  name: string;
  moref?: string;
  instanceUuid?: string;
  powerState?: string;
  cpuCount?: number;
  memoryMb?: number;
  ipAddresses: string[];
  osName?: string;
  esxiHostId?: string;
  facts: Record<string, unknown>;
}

export interface Host extends HostFacts {
  id: string;
  source: HostSource;
  platformId?: string;
  status: HostStatus;
  /** Hash of the collected facts: a sync writes a host only when it changes. */
  contentHash: string;
  firstSeenAt: string;
  lastSeenAt: string;
  lastCollectedAt?: string;
  lastTaskId?: string;
  /** How lastTaskId changed this host, so a retried batch classifies it the same way. */
  lastChange?: 'created' | 'updated';
  missingSince?: string;
  /** Lower-cased name, for the case-insensitive `q` filter. */
  searchName?: string;
}

/**
 * Platform hosts get ids derived from (platform, kind, vSphere UUID): the
 * upsert needs no lookup index, and a VM re-registered under a new moref keeps
 * its id because its instance UUID does not change.
 */
export function platformHostId(platformId: string, kind: 'vm' | 'esxi', uuidOrMoref: string): string {
  const digest = createHash('sha256').update(`${platformId}\u0000${kind}\u0000${uuidOrMoref.toLowerCase()}`).digest('hex');
  return `${kind}-${digest.slice(0, 24)}`;
}

export function contentHashOf(facts: HostFacts): string {
  return createHash('sha256').update(stableJson(facts)).digest('base64url');
}

/** JSON with sorted keys, so equal facts hash equally whatever their key order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function toHostView(host: Host): Omit<Host, 'contentHash' | 'lastChange' | 'searchName'> {
  const { contentHash: _hash, lastChange: _change, searchName: _searchName, ...view } = host;
  return view;
}

// ---- remote hosts (added by hand or imported from scans) ----
// Imports are placed here so the exports above stay untouched; ES modules hoist them.
import { isIP } from 'node:net';
import { z } from 'zod';
import { credentialMaterialSchema } from './credential.ts';
import { isForbiddenEndpointHost } from './endpoint-guard.ts';

/** Kinds a host added by hand or by scan can have (VMs only come from platforms). */
export type RemoteHostKind = 'linux' | 'windows' | 'esxi';

/** Where a remote host's login comes from: a shared profile, or its own secret `host/<hostId>`. */
export type CredentialRef = { type: 'profile'; id: string } | { type: 'inline' };

/** What a host added by hand or by scan carries besides the collected facts. */
export interface RemoteHostFields {
  /** Normalized: lower case, IPv6 without brackets and compressed. */
  address: string;
  port: number;
  credentialRef: CredentialRef;
  /** The profile id again, top-level, so the `byCredential` index can find the hosts of a profile. */
  credentialId?: string;
  /** Pinned host key fingerprint, 'SHA256:<base64>' as ssh-keygen prints it. */
  hostKey?: string;
  /** Set by PATCH {resetHostKey: true}: the next contact accepts and pins a new key. */
  hostKeyResetRequested?: boolean;
}

export type RemoteHost = Host & RemoteHostFields;

export function isRemoteHost(host: Host): host is RemoteHost {
  const candidate = host as Partial<RemoteHost>;
  return typeof candidate.address === 'string' && candidate.credentialRef !== undefined;
}

export const defaultRemotePort = 22;

const hostnamePattern = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * The canonical form of a host address, or undefined when it is neither an IP
 * literal nor a DNS name: lower case, no trailing dot, IPv6 compressed without
 * brackets. Two spellings of one address find the same host.
 */
export function normalizeAddress(raw: string): string | undefined {
  const address = raw.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  const family = isIP(address);
  if (family === 4) return address;
  if (family === 6) {
    if (address.includes('%')) return undefined;
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  }
  // A dotted all-numeric name is a malformed IPv4 address (leading zeros, out of range), not a DNS name.
  if (/^[\d.]+$/.test(address) || !hostnamePattern.test(address)) return undefined;
  return address;
}

export const remoteHostKindSchema = z.enum(['linux', 'windows', 'esxi']);

export const addressSchema = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .refine((value) => value === '' || normalizeAddress(value) !== undefined, { message: 'must be an IPv4 or IPv6 address or a DNS name' })
  .refine((value) => !isForbiddenEndpointHost(normalizeAddress(value) ?? ''), { message: 'link-local and cloud metadata addresses are not allowed' })
  .transform((value) => normalizeAddress(value) ?? value);

export const portSchema = z.number().int().min(1).max(65535);

export const credentialIdSchema = z.string().min(1).max(128);

export const hostNameSchema = z.string().trim().min(1).max(255);

type CredentialChoice = { credential?: unknown; credentialId?: unknown };

function exactlyOneCredential(value: CredentialChoice, ctx: z.RefinementCtx): void {
  const given = (value.credential !== undefined ? 1 : 0) + (value.credentialId !== undefined ? 1 : 0);
  if (given === 1) return;
  const message = given === 0 ? 'either credential or credentialId is required' : 'give credential or credentialId, not both';
  ctx.addIssue({ code: 'custom', message, path: ['credential'] });
  if (given === 2) ctx.addIssue({ code: 'custom', message, path: ['credentialId'] });
}

const remoteHostShape = {
  name: hostNameSchema.optional(),
  address: addressSchema,
  port: portSchema.default(defaultRemotePort),
  kind: remoteHostKindSchema,
  credential: credentialMaterialSchema.optional(),
  credentialId: credentialIdSchema.optional(),
};

/** POST /api/hosts and each item of POST /api/hosts/import. */
export const createHostSchema = z.strictObject(remoteHostShape).superRefine(exactlyOneCredential);

export type CreateHostInput = z.output<typeof createHostSchema>;

export const maxImportHosts = 10_000;

/** POST /api/hosts/import: the whole array is validated before anything is written. */
export const importHostsSchema = z
  .array(createHostSchema)
  .min(1)
  .max(maxImportHosts)
  .superRefine((items, ctx) => {
    const firstIndex = new Map<string, number>();
    items.forEach((item, index) => {
      const key = `${item.address}#${item.port}`;
      const first = firstIndex.get(key);
      if (first === undefined) firstIndex.set(key, index);
      else ctx.addIssue({ code: 'custom', message: `duplicate of item ${first} (same address and port)`, path: [index, 'address'] });
    });
  });

export type ImportHostsInput = z.output<typeof importHostsSchema>;

/** PATCH /api/hosts/{hostId}: any subset; `credential` and `credentialId` exclude each other. */
export const updateHostSchema = z
  .strictObject({
    name: hostNameSchema,
    address: addressSchema,
    port: portSchema,
    kind: remoteHostKindSchema,
    credential: credentialMaterialSchema,
    credentialId: credentialIdSchema,
    resetHostKey: z.boolean().describe('true: accept and pin a new host key on the next contact; false: withdraw that request'),
  })
  .partial()
  .superRefine((patch, ctx) => {
    if (Object.keys(patch).length === 0) ctx.addIssue({ code: 'custom', message: 'at least one field must be given', path: [] });
    if (patch.credential !== undefined && patch.credentialId !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'give credential or credentialId, not both', path: ['credentialId'] });
    }
  });

export type UpdateHostInput = z.output<typeof updateHostSchema>;

/**
 * Ids of new remote hosts derive from (address, port), so two concurrent
 * imports of one address converge on one row. A host keeps its id when its
 * address is changed later; lookups by address use the `byAddress` index.
 */
export function remoteHostId(address: string, port: number): string {
  const digest = createHash('sha256').update(`remote\u0000${address}\u0000${port}`).digest('hex');
  return `host-${digest.slice(0, 24)}`;
}

/** The collected part of a host record, as contentHashOf hashes it. */
export function factsOf(host: HostFacts): HostFacts {
  const { kind, name, moref, instanceUuid, powerState, cpuCount, memoryMb, ipAddresses, osName, esxiHostId, facts } = host;
  return { kind, name, moref, instanceUuid, powerState, cpuCount, memoryMb, ipAddresses, osName, esxiHostId, facts };
}

/** credentialRef and the indexed credentialId of a host input (exactly one of credential / credentialId is set). */
export function credentialFieldsOf(input: { credentialId?: string | undefined }): Pick<RemoteHostFields, 'credentialRef' | 'credentialId'> {
  return input.credentialId !== undefined
    ? { credentialRef: { type: 'profile', id: input.credentialId }, credentialId: input.credentialId }
    : { credentialRef: { type: 'inline' } };
}

/** A new host added by hand or by scan, not collected yet. Its credential material goes to the secret store, not here. */
export function newRemoteHost(id: string, source: 'manual' | 'scan', input: CreateHostInput, now: string): RemoteHost {
  const name = input.name ?? input.address;
  const facts: HostFacts = { kind: input.kind, name, ipAddresses: isIP(input.address) ? [input.address] : [], facts: {} };
  return {
    ...facts,
    id,
    source,
    status: 'active',
    contentHash: contentHashOf(facts),
    firstSeenAt: now,
    lastSeenAt: now,
    searchName: name.toLowerCase(),
    address: input.address,
    port: input.port,
    ...credentialFieldsOf(input),
  };
}
