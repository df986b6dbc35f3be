import { apiHandler, notFound } from '#http';
import { tasks } from '#stores';
import { taskIdPathSchema, taskItemListQuerySchema } from '#shared/api/schemas.ts';

export const handler = apiHandler({ path: taskIdPathSchema, query: taskItemListQuerySchema }, async ({ path, query }) => {
  const task = await tasks().get(path.taskId);
  if (!task) throw notFound('task', path.taskId);
  const { status, limit, cursor } = query;
  const page = await tasks().listItems(path.taskId, { limit, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
  return { statusCode: 200, body: { items: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) } };
});
