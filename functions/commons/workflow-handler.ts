import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z, ZodType } from 'zod';
import { logger } from '#powertools';

/**
 * Wraps a Step Functions task handler: validates the state input (ids only)
 * and lets errors propagate, so the state machine's Retry and Catch see them.
 */
export function workflowHandler<S extends ZodType, R>(schema: S, run: (input: z.output<S>, context: Context) => Promise<R>) {
  return middy<unknown, R, Error, Context>().handler(async (event, context) => {
    logger.addContext(context);
    return run(schema.parse(event), context);
  });
}
