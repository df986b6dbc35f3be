import { apiHandler, notFound } from '#http';
import { tasks } from '#stores';
import { taskIdPathSchema } from '#shared/api/schemas.ts';
import { toTaskView } from '#shared/domain/task.ts';

export const handler = apiHandler({ path: taskIdPathSchema }, async ({ path }) => {
  const task = await tasks().get(path.taskId);
  if (!task) throw notFound('task', path.taskId);
  return { statusCode: 200, body: toTaskView(task) };
});
