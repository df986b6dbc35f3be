import { z } from 'zod';
import { apiHandler, HttpProblem, notFound } from '#http';
import { hosts, requiredEnv, tasks } from '#stores';
import { sfnClient } from '#clients/sfn';
import { startCollectionSchema, maxCollectHosts } from '#shared/api/schemas.ts';
import { startCollection } from '#shared/collection/start-collection.ts';
import { idempotencyKeyOf } from '#commons/http/idempotency-key.ts';

const plan = {
  platformBatchSize: Number(process.env['COLLECT_PLATFORM_BATCH_SIZE'] ?? 50),
  remoteBatchSize: Number(process.env['COLLECT_REMOTE_BATCH_SIZE'] ?? 25),
};

// Counted before validation: more than 10,000 ids is "too large" (413), not malformed (400).
const oversize = z.object({ hostIds: z.array(z.unknown()).min(maxCollectHosts + 1) });

export const handler = apiHandler({ body: z.unknown() }, async ({ body, headers }) => {
  if (oversize.safeParse(body).success) {
    throw new HttpProblem(413, 'Content Too Large', `at most ${maxCollectHosts} host ids can be collected in one task`);
  }
  const parsed = startCollectionSchema.safeParse(body);
  if (!parsed.success) {
    throw new HttpProblem(400, 'Bad Request', 'the body does not match the expected schema', {
      errors: parsed.error.issues.map((issue) => ({ path: ['body', ...issue.path.map(String)].join('.'), message: issue.message })),
    });
  }
  const result = await startCollection(parsed.data.hostIds, idempotencyKeyOf(headers), {
    tasks: tasks(),
    hosts: hosts(),
    sfn: sfnClient,
    stateMachineArn: requiredEnv('COLLECT_STATE_MACHINE_ARN'),
    plan,
  });
  if (result.outcome === 'unknown-hosts') {
    const problem = notFound('hosts', result.hostIds.slice(0, 20).join(', ') + (result.hostIds.length > 20 ? ', …' : ''));
    throw new HttpProblem(404, 'Not Found', problem.message, { extra: { unknownHostIds: result.hostIds } });
  }
  return { statusCode: 202, body: { taskId: result.taskId }, headers: { location: `/api/tasks/${result.taskId}` } };
});
