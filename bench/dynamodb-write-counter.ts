/**
 * Counts the DynamoDB write requests the handlers send, and the host rows
 * among them, by adding a middleware to the one client every handler shares.
 */
import { hostsTable, tableName } from '#shared/store/tables.ts';

export async function countDynamoDbWrites() {
  const { dynamoDbClient } = await import('#clients/dynamodb');
  const hosts = tableName(hostsTable);
  let requests = 0;
  let hostItems = 0;
  dynamoDbClient.middlewareStack.add(
    (next, context) => async (invocation) => {
      const command = context.commandName ?? '';
      if (/^(BatchWriteItem|PutItem|UpdateItem|DeleteItem|TransactWriteItems)Command$/.test(command)) {
        requests++;
        const input = invocation.input as { TableName?: string; RequestItems?: Record<string, unknown[]>; TransactItems?: Array<Record<string, { TableName?: string }>> };
        if (input.RequestItems?.[hosts]) hostItems += input.RequestItems[hosts].length;
        if (input.TableName === hosts) hostItems++;
        for (const item of input.TransactItems ?? []) if (Object.values(item)[0]?.TableName === hosts) hostItems++;
      }
      return next(invocation);
    },
    { step: 'initialize', name: 'benchWriteCounter' },
  );
  return {
    reset: () => {
      requests = 0;
      hostItems = 0;
    },
    snapshot: () => ({ requests, hostItems }),
  };
}
