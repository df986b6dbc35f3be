import { z } from 'zod';
import { HttpProblem } from './problem.ts';

const idempotencyKeySchema = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

/** The request's Idempotency-Key header, validated; undefined when absent. */
export function idempotencyKeyOf(headers: Record<string, string | undefined>): string | undefined {
  const raw = headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const key = idempotencyKeySchema.safeParse(raw);
  if (key.success) return key.data;
  throw new HttpProblem(400, 'Bad Request', 'the Idempotency-Key header is malformed', {
    errors: [{ path: 'headers.idempotency-key', message: key.error.issues[0]?.message ?? 'invalid' }],
  });
}
