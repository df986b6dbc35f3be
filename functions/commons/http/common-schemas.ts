import { z } from 'zod';

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).max(2048).optional(),
});

export const idPathSchema = <K extends string>(name: K) => z.object({ [name]: z.string().min(1).max(128) } as Record<K, z.ZodString>);
