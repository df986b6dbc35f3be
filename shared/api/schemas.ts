/**
 * Request and response schemas of the HTTP API, shared by the handlers (which
 * validate with them) and the OpenAPI document (which is generated from them),
 * so the two cannot drift apart.
 */
import { z } from 'zod';
import { idPathSchema, listQuerySchema } from '#http';
import type { Host, HostKind, HostSource, HostStatus } from '#shared/domain/host.ts';
import { createPlatformSchema, platformViewSchema, updatePlatformSchema } from '#shared/domain/platform.ts';
import { createCredentialSchema, credentialViewSchema } from '#shared/domain/credential.ts';
import { createHostSchema, importHostsSchema, updateHostSchema } from '#shared/domain/host.ts';
import type { TaskItem, TaskPhase, TaskStatus, TaskTrigger, TaskType, TaskView } from '#shared/domain/task.ts';

// ---- enums (checked against the domain types below) ----

export const taskTypeSchema = z.enum(['platform_sync', 'platform_collect', 'host_collect', 'mixed_collect']);
export const taskTriggerSchema = z.enum(['api', 'schedule', 'retry']);
export const taskStatusSchema = z.enum(['queued', 'running', 'succeeded', 'partially_succeeded', 'failed', 'cancelled']);
export const taskPhaseSchema = z.enum(['connecting', 'discovering', 'collecting', 'finalizing', 'done']);
export const taskItemStatusSchema = z.enum(['succeeded', 'failed']);
export const hostSourceSchema = z.enum(['platform', 'scan', 'manual']);
export const hostKindSchema = z.enum(['vm', 'esxi', 'linux', 'windows']);
export const hostStatusSchema = z.enum(['active', 'missing']);

// ---- path parameters ----

export const platformIdPathSchema = idPathSchema('platformId');
export const taskIdPathSchema = idPathSchema('taskId');
export const hostIdPathSchema = idPathSchema('hostId');

// ---- query strings ----

export { listQuerySchema };

export const taskListQuerySchema = listQuerySchema.extend({
  type: taskTypeSchema.optional(),
  status: taskStatusSchema.optional(),
});

export const taskItemListQuerySchema = listQuerySchema.extend({
  status: taskItemStatusSchema.optional(),
});

export const hostListQuerySchema = listQuerySchema.extend({
  platformId: z.string().min(1).max(128).optional(),
  source: hostSourceSchema.optional(),
  kind: hostKindSchema.optional(),
  status: hostStatusSchema.optional(),
  /** Case-insensitive substring of the name or address. */
  q: z.string().trim().min(1).max(200).optional(),
});

// ---- request bodies ----

export { createPlatformSchema, updatePlatformSchema };

// ---- responses ----

export { platformViewSchema };

export const healthSchema = z.object({ status: z.literal('ok') });

export const taskStartedSchema = z.object({ taskId: z.string() });

export const taskViewSchema = z.object({
  id: z.string(),
  type: taskTypeSchema,
  trigger: taskTriggerSchema,
  status: taskStatusSchema,
  phase: taskPhaseSchema,
  platformId: z.string().optional(),
  hostCount: z.number().int().optional(),
  progress: z.object({
    total: z.number().int(),
    processed: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int(),
    percent: z.number().min(0).max(100),
    discovered: z.number().int().optional().describe('objects listed so far by a sync\'s discovery'),
  }),
  counts: z.object({ created: z.number().int(), updated: z.number().int(), unchanged: z.number().int(), missing: z.number().int() }),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  executionArn: z.string().optional(),
  error: z.string().optional(),
});

export const taskItemSchema = z.object({
  hostId: z.string(),
  name: z.string().optional(),
  status: taskItemStatusSchema,
  errorCode: z.string().optional(),
  message: z.string().optional(),
});

/** Extra fields are allowed: kind-specific records (manual hosts) carry more. */
export const hostViewSchema = z.looseObject({
  id: z.string(),
  source: hostSourceSchema,
  kind: hostKindSchema,
  platformId: z.string().optional(),
  name: z.string(),
  moref: z.string().optional(),
  instanceUuid: z.string().optional(),
  powerState: z.string().optional(),
  cpuCount: z.number().int().optional(),
  memoryMb: z.number().int().optional(),
  ipAddresses: z.array(z.string()),
  osName: z.string().optional(),
  esxiHostId: z.string().optional(),
  status: hostStatusSchema,
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  lastCollectedAt: z.string().optional(),
  lastTaskId: z.string().optional(),
  missingSince: z.string().optional(),
  facts: z.record(z.string(), z.unknown()),
});

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().optional().describe('absent on the last page') });

export const platformListSchema = pageSchema(platformViewSchema);
export const taskListSchema = pageSchema(taskViewSchema);
export const taskItemListSchema = pageSchema(taskItemSchema);
export const hostListSchema = pageSchema(hostViewSchema);

export const problemSchema = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  taskId: z.string().optional().describe('409 only: the sync already running'),
  hostId: z.string().optional().describe('409 only: the host that already has this address and port'),
  hostIds: z.array(z.string()).optional().describe('409 only: hosts that still use the credential profile (up to ten)'),
  credentialIds: z.array(z.string()).optional().describe('404 on import only: the unknown credential profiles'),
});

// ---- compile-time checks that the schemas and the domain types agree ----

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Expect<T extends true> = T;
export type _SchemaChecks = [
  Expect<Same<z.infer<typeof taskTypeSchema>, TaskType>>,
  Expect<Same<z.infer<typeof taskTriggerSchema>, TaskTrigger>>,
  Expect<Same<z.infer<typeof taskStatusSchema>, TaskStatus>>,
  Expect<Same<z.infer<typeof taskPhaseSchema>, TaskPhase>>,
  Expect<Same<z.infer<typeof taskItemStatusSchema>, TaskItem['status']>>,
  Expect<Same<z.infer<typeof hostSourceSchema>, HostSource>>,
  Expect<Same<z.infer<typeof hostKindSchema>, HostKind>>,
  Expect<Same<z.infer<typeof hostStatusSchema>, HostStatus>>,
  Expect<TaskView extends z.infer<typeof taskViewSchema> ? true : false>,
  Expect<TaskItem extends z.infer<typeof taskItemSchema> ? true : false>,
  Expect<Omit<Host, 'contentHash' | 'lastChange' | 'searchName'> extends z.infer<typeof hostViewSchema> ? true : false>,
];

// ---- per-operation schemas, keyed by the catalog's function id ----

export interface OperationSchemas {
  summary: string;
  path?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Success status and the schema of its body (none for 204). */
  success: { status: number; description: string; schema?: z.ZodType };
  /** Problem statuses besides 400/500 that this operation can answer. */
  problems?: number[];
}

export const operations: Record<string, OperationSchemas> = {
  'get-health': { summary: 'Liveness of the API', success: { status: 200, description: 'The API serves requests', schema: healthSchema } },
  'get-openapi': { summary: 'This OpenAPI 3.1 document', success: { status: 200, description: 'The OpenAPI document' } },
  'create-platform': {
    summary: 'Register a vCenter platform',
    body: createPlatformSchema,
    success: { status: 201, description: 'The platform, without its password', schema: platformViewSchema },
    problems: [413],
  },
  'list-platforms': { summary: 'List platforms', query: listQuerySchema, success: { status: 200, description: 'A page of platforms', schema: platformListSchema } },
  'get-platform': { summary: 'Get a platform', path: platformIdPathSchema, success: { status: 200, description: 'The platform', schema: platformViewSchema }, problems: [404] },
  'update-platform': {
    summary: 'Update a platform (partial)',
    path: platformIdPathSchema,
    body: updatePlatformSchema,
    success: { status: 200, description: 'The updated platform', schema: platformViewSchema },
    problems: [404, 413],
  },
  'delete-platform': {
    summary: 'Delete a platform; its hosts are kept and marked missing',
    path: platformIdPathSchema,
    success: { status: 204, description: 'Deleted' },
    problems: [404, 409],
  },
  'start-platform-sync': {
    summary: 'Start a platform sync',
    path: platformIdPathSchema,
    success: { status: 202, description: 'The sync task was started', schema: taskStartedSchema },
    problems: [404, 409],
  },
  'list-tasks': { summary: 'List tasks, newest first', query: taskListQuerySchema, success: { status: 200, description: 'A page of tasks', schema: taskListSchema } },
  'get-task': { summary: 'Get a task with its progress', path: taskIdPathSchema, success: { status: 200, description: 'The task', schema: taskViewSchema }, problems: [404] },
  'list-task-items': {
    summary: "List a task's per-host outcomes",
    path: taskIdPathSchema,
    query: taskItemListQuerySchema,
    success: { status: 200, description: 'A page of task items', schema: taskItemListSchema },
    problems: [404],
  },
  'list-hosts': { summary: 'List hosts', query: hostListQuerySchema, success: { status: 200, description: 'A page of hosts', schema: hostListSchema } },
  'get-host': { summary: 'Get a host', path: hostIdPathSchema, success: { status: 200, description: 'The host', schema: hostViewSchema }, problems: [404] },
};

// ---- hosts added by hand or by scan, and credential profiles ----

export const credentialIdPathSchema = idPathSchema('credentialId');

export { createHostSchema, importHostsSchema, updateHostSchema, createCredentialSchema, credentialViewSchema };

/** A host added by hand or by scan: the host view plus where to reach it and how to log in (never the material). */
export const remoteHostViewSchema = hostViewSchema.extend({
  address: z.string().describe('normalized: lower case, IPv6 compressed without brackets'),
  port: z.number().int(),
  credentialRef: z
    .discriminatedUnion('type', [z.object({ type: z.literal('profile'), id: z.string() }), z.object({ type: z.literal('inline') })])
    .describe('profile: the shared credential profile `id`; inline: the host\'s own credential, kept in the secret store'),
  credentialId: z.string().optional().describe('the profile id, when credentialRef.type is "profile"'),
  hostKey: z.string().optional().describe("pinned SSH host key fingerprint, 'SHA256:<base64>'"),
  hostKeyResetRequested: z.boolean().optional().describe('the next contact accepts and pins a new host key'),
});

export const importHostsResultSchema = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  items: z.array(
    z.object({
      id: z.string(),
      address: z.string(),
      port: z.number().int(),
      outcome: z.enum(['created', 'updated']).describe('updated: the (address, port) was known; that host was updated, not duplicated'),
    }),
  ).describe('one entry per imported item, in request order'),
});

export const credentialListSchema = pageSchema(credentialViewSchema);

Object.assign(operations, {
  'create-host': {
    summary: 'Add a host by hand (source "manual")',
    body: createHostSchema,
    success: { status: 201, description: 'The host, without any credential material', schema: remoteHostViewSchema },
    problems: [404, 409, 413],
  },
  'import-hosts': {
    summary: 'Import scan results (source "scan"); a known address and port updates its host',
    body: importHostsSchema,
    success: { status: 200, description: 'How many hosts were created and updated, and their ids', schema: importHostsResultSchema },
    problems: [404, 413],
  },
  'update-host': {
    summary: 'Update a host added by hand or by scan (partial); resetHostKey accepts a new host key on the next contact',
    path: hostIdPathSchema,
    body: updateHostSchema,
    success: { status: 200, description: 'The updated host', schema: remoteHostViewSchema },
    problems: [404, 409, 413],
  },
  'delete-host': { summary: 'Delete a host (and its inline credential)', path: hostIdPathSchema, success: { status: 204, description: 'Deleted' }, problems: [404] },
  'create-credential': {
    summary: 'Create a named credential profile',
    body: createCredentialSchema,
    success: { status: 201, description: 'The profile metadata, never the password, key or passphrase', schema: credentialViewSchema },
    problems: [413],
  },
  'list-credentials': {
    summary: 'List credential profiles (metadata only)',
    query: listQuerySchema,
    success: { status: 200, description: 'A page of credential profiles', schema: credentialListSchema },
  },
  'delete-credential': {
    summary: 'Delete a credential profile no host uses',
    path: credentialIdPathSchema,
    success: { status: 204, description: 'Deleted' },
    problems: [404, 409],
  },
} satisfies Record<string, OperationSchemas>);

// ---- collection ----

export const maxCollectHosts = 10_000;

export const startCollectionSchema = z.strictObject({
  hostIds: z
    .array(z.string().min(1).max(128))
    .min(1, 'select at least one host')
    .max(maxCollectHosts)
    .refine((ids) => new Set(ids).size === ids.length, { message: 'host ids must be unique' }),
});

Object.assign(operations, {
  'start-host-collection': {
    summary: 'Collect selected hosts: VMs and ESXi hosts from their vCenter, servers over SSH',
    body: startCollectionSchema,
    success: { status: 202, description: 'The collection task was started', schema: taskStartedSchema },
    problems: [404, 413],
  },
});
