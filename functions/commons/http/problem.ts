import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export interface FieldError {
  path: string;
  message: string;
}

/** An error that becomes an RFC 9457 problem+json response. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly title: string;
  readonly errors: FieldError[] | undefined;
  readonly extra: Record<string, unknown>;

  constructor(status: number, title: string, detail: string, options: { errors?: FieldError[]; extra?: Record<string, unknown> } = {}) {
    super(detail);
    this.name = 'HttpProblem';
    this.status = status;
    this.title = title;
    this.errors = options.errors;
    this.extra = options.extra ?? {};
  }
}

const typeBase = 'https://inventory.example/problems/';

export function problemResponse(problem: HttpProblem): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify({
      type: `${typeBase}${problem.title.toLowerCase().replaceAll(/[^a-z0-9]+/g, '-')}`,
      title: problem.title,
      status: problem.status,
      detail: problem.message,
      ...(problem.errors ? { errors: problem.errors } : {}),
      ...problem.extra,
    }),
  };
}

export const notFound = (what: string, id: string): HttpProblem => new HttpProblem(404, 'Not Found', `${what} ${id} does not exist`);

export const badRequest = (detail: string, errors?: FieldError[]): HttpProblem =>
  new HttpProblem(400, 'Bad Request', detail, errors ? { errors } : {});
