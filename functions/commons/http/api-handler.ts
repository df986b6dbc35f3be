import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z, ZodType } from 'zod';
import { InvalidCursorError } from '#shared/store/cursor.ts';
import { logger } from '#powertools';
import { badRequest, HttpProblem, problemResponse, type FieldError } from './problem.ts';

/** The API contract's body limit; API Gateway's own (10 MB) is far above it. */
export const maxBodyBytes = 1024 * 1024;

export interface ApiRequest<B, P, Q> {
  body: B;
  path: P;
  query: Q;
  headers: Record<string, string | undefined>;
  event: APIGatewayProxyEventV2;
}

export interface ApiResult {
  statusCode: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Schemas<B extends ZodType, P extends ZodType, Q extends ZodType> {
  body?: B;
  path?: P;
  query?: Q;
}

/**
 * Wraps one API operation: size check, JSON parsing and zod validation of body,
 * path and query, then problem+json for every failure. The operation itself
 * receives typed input and returns a status and a JSON body.
 */
export function apiHandler<B extends ZodType = ZodType<undefined>, P extends ZodType = ZodType<unknown>, Q extends ZodType = ZodType<unknown>>(
  schemas: Schemas<B, P, Q>,
  operation: (request: ApiRequest<z.output<B>, z.output<P>, z.output<Q>>) => Promise<ApiResult>,
) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>()
    .use(problemJsonErrors())
    .handler(async (event) => {
      const request = {
        body: schemas.body ? validate(schemas.body, parseJsonBody(event), 'body') : undefined,
        path: schemas.path ? validate(schemas.path, event.pathParameters ?? {}, 'path') : undefined,
        query: schemas.query ? validate(schemas.query, event.queryStringParameters ?? {}, 'query') : undefined,
        headers: event.headers ?? {},
        event,
      } as ApiRequest<z.output<B>, z.output<P>, z.output<Q>>;
      const result = await operation(request);
      return {
        statusCode: result.statusCode,
        headers: { ...(result.body === undefined ? {} : { 'content-type': 'application/json' }), ...result.headers },
        ...(result.body === undefined ? {} : { body: JSON.stringify(result.body) }),
      };
    });
}

function parseJsonBody(event: APIGatewayProxyEventV2): unknown {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text) > maxBodyBytes) {
    throw new HttpProblem(413, 'Content Too Large', `request body exceeds ${maxBodyBytes} bytes`);
  }
  if (text.trim() === '') throw badRequest('request body must be a JSON document', [{ path: 'body', message: 'empty body' }]);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest('request body is not valid JSON', [{ path: 'body', message: (error as Error).message }]);
  }
}

function validate<S extends ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw badRequest(`the ${where} does not match the expected schema`, toFieldErrors(result.error, where));
}

function toFieldErrors(error: z.ZodError, where: string): FieldError[] {
  return error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

function problemJsonErrors(): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof HttpProblem) {
        // Client errors with too many items (413) carry their own limit in the detail.
        request.response = problemResponse(error);
      } else if (error instanceof InvalidCursorError) {
        request.response = problemResponse(badRequest(error.message, [{ path: 'query.cursor', message: error.message }]));
      } else if (error && isRejectedStartKey(error, request.event)) {
        // A cursor that decodes to JSON but is no key of this table or index: DynamoDB refuses it.
        const message = 'cursor is not one this API returned';
        request.response = problemResponse(badRequest(message, [{ path: 'query.cursor', message }]));
      } else {
        logger.error('unhandled error', { error });
        request.response = problemResponse(new HttpProblem(500, 'Internal Server Error', 'the request could not be completed; it has been logged'));
      }
    },
  };
}

/**
 * DynamoDB's answer to an ExclusiveStartKey that does not match the key schema
 * (wrong attributes, wrong count, wrong types). Only counted as the client's
 * fault when the request carried a cursor.
 */
function isRejectedStartKey(error: Error, event: APIGatewayProxyEventV2): boolean {
  if (!event.queryStringParameters?.['cursor']) return false;
  if (error.name !== 'ValidationException') return false;
  return /starting key|exclusive ?start ?key|type mismatch/i.test(error.message);
}
