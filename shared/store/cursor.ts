/** Opaque list cursors: the DynamoDB LastEvaluatedKey, base64url-encoded JSON. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

/**
 * Decodes a cursor and checks it holds exactly the key attributes of the table
 * or index being read, all strings, so a forged cursor is a 400, never a
 * DynamoDB validation error.
 */
export function decodeCursor(cursor: string | undefined, keyNames: readonly string[]): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('cursor is not one this API returned');
  }
  const isKey =
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.keys(value).length === keyNames.length &&
    keyNames.every((name) => typeof (value as Record<string, unknown>)[name] === 'string');
  if (!isKey) throw new InvalidCursorError('cursor is not one this API returned');
  return value as Record<string, string>;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}
