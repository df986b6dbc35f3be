import { apiHandler } from '#http';

/** In AWS the function answering is the proof of life: nothing else to check. */
export const handler = apiHandler({}, async () => ({ statusCode: 200, body: { status: 'ok' } }));
