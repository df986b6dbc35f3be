export { apiHandler, maxBodyBytes, type ApiRequest, type ApiResult } from './api-handler.ts';
export { HttpProblem, badRequest, notFound, problemResponse, type FieldError } from './problem.ts';
export { listQuerySchema, idPathSchema } from './common-schemas.ts';
