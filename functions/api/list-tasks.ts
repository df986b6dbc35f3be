import { apiHandler } from '#http';
import { tasks } from '#stores';
import { taskListQuerySchema } from '#shared/api/schemas.ts';
import { toTaskView } from '#shared/domain/task.ts';

export const handler = apiHandler({ query: taskListQuerySchema }, async ({ query }) => {
  const { type, status, limit, cursor } = query;
  const page = await tasks().list({ limit, ...(type ? { type } : {}), ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
  return { statusCode: 200, body: { items: page.items.map(toTaskView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) } };
});
