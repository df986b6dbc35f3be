import { z } from 'zod';
import { isForbiddenEndpointHost } from './endpoint-guard.ts';

const thumbprintPattern = /^([0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$/;

export const tlsSettingsSchema = z
  .strictObject({
    mode: z.enum(['verify', 'thumbprint', 'insecure']).default('verify'),
    thumbprint: z
      .string()
      .regex(thumbprintPattern, 'must be a SHA-256 fingerprint: 64 hex digits, colons optional')
      .transform(normalizeThumbprint)
      .optional(),
  })
  .refine((tls) => tls.mode !== 'thumbprint' || tls.thumbprint !== undefined, {
    message: 'tls.thumbprint is required when tls.mode is "thumbprint"',
    path: ['thumbprint'],
  });

export type TlsSettings = z.infer<typeof tlsSettingsSchema>;

export const endpointSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://vcenter.example.com/sdk' })
  .max(2048)
  // zod runs this refinement even when the url check above failed: only judge what parses.
  .refine((url) => !URL.canParse(url) || !isForbiddenEndpointHost(new URL(url).hostname), {
    message: 'link-local and cloud metadata addresses are not allowed',
  });

export const scheduleSchema = z.strictObject({
  everyMinutes: z.number().int().min(5).max(7 * 24 * 60),
});

export const createPlatformSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  type: z.literal('vmware'),
  endpoint: endpointSchema,
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
  tls: tlsSettingsSchema.default({ mode: 'verify' }),
  schedule: scheduleSchema.nullable().optional(),
});

export type CreatePlatformInput = z.infer<typeof createPlatformSchema>;

export const updatePlatformSchema = z
  .strictObject({
    name: createPlatformSchema.shape.name,
    endpoint: endpointSchema,
    username: createPlatformSchema.shape.username,
    password: createPlatformSchema.shape.password,
    tls: tlsSettingsSchema,
    schedule: scheduleSchema.nullable(),
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'at least one field must be given' });

export type UpdatePlatformInput = z.infer<typeof updatePlatformSchema>;

export interface LastSync {
  taskId: string;
  status: string;
  finishedAt: string;
  /** Hosts and VMs the sync discovered: the next sync's progress estimate while it discovers. */
  total?: number;
}

/** A platform as stored. The password lives in the secret store, never here. */
export interface Platform {
  id: string;
  name: string;
  type: 'vmware';
  endpoint: string;
  username: string;
  tls: TlsSettings;
  schedule?: { everyMinutes: number } | null;
  createdAt: string;
  updatedAt: string;
  lastSync?: LastSync;
  /** Set while a sync runs; the conditional write on it is the one-sync-at-a-time lock. */
  activeSyncTaskId?: string;
  /** The last sync whose plan lists every host still active (see finish-sync.ts). */
  inventoryTaskId?: string;
  /** When the next scheduled sync is due (ISO); absent without a schedule. */
  nextSyncAt?: string;
  deletedAt?: string;
}

export const platformViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.literal('vmware'),
  endpoint: z.string(),
  username: z.string(),
  tls: z.object({ mode: z.enum(['verify', 'thumbprint', 'insecure']), thumbprint: z.string().optional() }),
  schedule: scheduleSchema.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastSync: z.object({ taskId: z.string(), status: z.string(), finishedAt: z.string(), total: z.number().optional() }).optional(),
  activeSyncTaskId: z.string().optional(),
});

export type PlatformView = z.infer<typeof platformViewSchema>;

export function toPlatformView(platform: Platform): PlatformView {
  return {
    id: platform.id,
    name: platform.name,
    type: platform.type,
    endpoint: platform.endpoint,
    username: platform.username,
    tls: platform.tls,
    schedule: platform.schedule ?? null,
    createdAt: platform.createdAt,
    updatedAt: platform.updatedAt,
    ...(platform.lastSync ? { lastSync: platform.lastSync } : {}),
    ...(platform.activeSyncTaskId ? { activeSyncTaskId: platform.activeSyncTaskId } : {}),
  };
}

export function normalizeThumbprint(thumbprint: string): string {
  const hex = thumbprint.replaceAll(':', '').toUpperCase();
  return hex.match(/../g)!.join(':');
}
