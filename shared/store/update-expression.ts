import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Builds a SET/REMOVE UpdateExpression from a plain object of changes. */
export function updateExpression(
  changes: Record<string, unknown>,
  remove: string[] = [],
): { UpdateExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || remove.includes(key)) continue;
    names[`#${key}`] = key;
    values[`:${key}`] = value;
    sets.push(`#${key} = :${key}`);
  }
  for (const key of remove) names[`#${key}`] = key;
  const parts = [
    sets.length ? `SET ${sets.join(', ')}` : '',
    remove.length ? `REMOVE ${remove.map((key) => `#${key}`).join(', ')}` : '',
  ].filter(Boolean);
  return {
    UpdateExpression: parts.join(' '),
    ExpressionAttributeNames: names,
    ...(sets.length ? { ExpressionAttributeValues: values } : {}),
  };
}

/**
 * Applies changes to the item with this id only if it exists: the new item,
 * or undefined when there is no such item (never an upsert).
 */
export async function updateIfExists(
  client: DynamoDBDocumentClient,
  table: string,
  id: string,
  changes: Record<string, unknown>,
  remove: string[] = [],
): Promise<Record<string, unknown> | undefined> {
  try {
    const { Attributes } = await client.send(
      new UpdateCommand({
        TableName: table,
        Key: { id },
        ...updateExpression(changes, remove),
        ConditionExpression: 'attribute_exists(id)',
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}
