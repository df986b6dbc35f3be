/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the catalog's routes
 * and the very zod schemas the handlers validate with (shared/api/schemas.ts).
 */
import { z } from 'zod';
import { apiFunctions, type FunctionSpec } from '#functions/catalog.ts';
import { operations, problemSchema, type OperationSchemas } from './schemas.ts';

type JsonSchema = Record<string, unknown>;

const problemStatuses: Record<number, string> = {
  400: 'Bad JSON, a failed schema or a bad cursor (`errors` lists the fields)',
  401: 'Missing or wrong bearer token (local stack)',
  404: 'Unknown id (in the path, or a credentialId in the body)',
  409: 'Conflict: a sync of this platform is already running (`taskId`), the address and port belong to another host (`hostId`), or hosts still use the credential profile (`hostIds`)',
  413: 'Body over 1 MB, or more than 10,000 items',
  500: 'Unexpected failure; logged, never a stack trace',
};

/** Request schemas describe what a client may send; response schemas what it receives. */
function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return json;
}

function componentName(id: string, suffix: string): string {
  return id.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase()) + suffix;
}

function parameters(where: 'path' | 'query', schema: z.ZodObject | undefined): JsonSchema[] {
  if (!schema) return [];
  return Object.entries(schema.shape).map(([name, field]) => {
    const fieldSchema = field as z.ZodType;
    const required = where === 'path' || !fieldSchema.safeParse(undefined).success;
    const json = toJsonSchema(fieldSchema, 'input');
    return {
      name,
      in: where,
      required,
      schema: json,
      ...(typeof json['description'] === 'string' ? { description: json['description'] } : {}),
    };
  });
}

function operationObject(fn: FunctionSpec, spec: OperationSchemas | undefined, components: Record<string, JsonSchema>): JsonSchema {
  const route = fn.route!;
  const ref = (name: string, schema: z.ZodType, io: 'input' | 'output') => {
    components[name] ??= toJsonSchema(schema, io);
    return { $ref: `#/components/schemas/${name}` };
  };
  const problemRefs = Object.fromEntries(
    [...(spec?.path || spec?.query || spec?.body ? [400] : []), ...(route.public ? [] : [401]), ...(spec?.problems ?? []), 500]
      .sort((a, b) => a - b)
      .map((status) => [String(status), { $ref: `#/components/responses/Problem${status}` }]),
  );
  const success = spec?.success ?? { status: 200, description: 'OK' };
  return {
    operationId: fn.id.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()),
    summary: spec?.summary ?? fn.description,
    description: fn.description,
    ...(route.public ? { security: [] } : {}),
    parameters: [...parameters('path', spec?.path), ...parameters('query', spec?.query)],
    ...(spec?.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref(componentName(fn.id, 'Request'), spec.body, 'input') } },
          },
        }
      : {}),
    responses: {
      [String(success.status)]: {
        description: success.description,
        ...(success.schema
          ? { content: { 'application/json': { schema: ref(componentName(fn.id, 'Response'), success.schema, 'output') } } }
          : success.status === 204
            ? {}
            : { content: { 'application/json': { schema: { type: 'object' } } } }),
      },
      ...problemRefs,
    },
  };
}

export function buildOpenApiDocument(functions: FunctionSpec[] = apiFunctions): JsonSchema {
  const components: Record<string, JsonSchema> = { Problem: toJsonSchema(problemSchema, 'output') };
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const fn of functions) {
    if (!fn.route) continue;
    paths[fn.route.path] ??= {};
    paths[fn.route.path]![fn.route.method.toLowerCase()] = operationObject(fn, operations[fn.id], components);
  }
  const usedProblems = new Set<number>();
  for (const pathItem of Object.values(paths))
    for (const operation of Object.values(pathItem))
      for (const status of Object.keys(operation['responses'] as JsonSchema)) if (Number(status) >= 400) usedProblems.add(Number(status));

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Inventory collector API',
      version: '1',
      description:
        'Collects vCenter platforms, ESXi hosts, VMs and servers. Errors are application/problem+json (RFC 9457). ' +
        'Lists take `limit` (1-1000, default 100) and an opaque `cursor`, and return `{items, nextCursor}`.',
    },
    servers: [{ url: '/', description: 'Paths include the /api base path' }],
    security: [{ bearerAuth: [] }, { sigv4: [] }],
    paths,
    components: {
      schemas: components,
      responses: Object.fromEntries(
        [...usedProblems]
          .sort((a, b) => a - b)
          .map((status) => [
            `Problem${status}`,
            {
              description: problemStatuses[status] ?? 'Problem',
              content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
            },
          ]),
      ),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'Local stack: INVENTORY_API_TOKEN, or the token generated into <data dir>/api-token on first start.',
        },
        sigv4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'AWS: IAM authorization on the HTTP API; sign requests with AWS Signature Version 4 (service execute-api).',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    },
  };
}

let cached: JsonSchema | undefined;

/** Built once per container. */
export function openApiDocument(): JsonSchema {
  cached ??= buildOpenApiDocument();
  return cached;
}
