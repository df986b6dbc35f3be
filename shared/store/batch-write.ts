import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const maxItemsPerBatchWrite = 25;
const maxAttempts = 8;

/**
 * Puts items 25 at a time, resending what DynamoDB hands back as unprocessed
 * (throttling) with backoff, so nothing is silently dropped. Chunks go out in
 * parallel, a few at a time.
 */
export async function writeInChunks(client: DynamoDBDocumentClient, table: string, items: Record<string, unknown>[], parallel = 4): Promise<number> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += maxItemsPerBatchWrite) chunks.push(items.slice(i, i + maxItemsPerBatchWrite));
  let requests = 0;
  const next = async (): Promise<void> => {
    for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) requests += await writeChunk(client, table, chunk);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, chunks.length) }, next));
  return requests;
}

async function writeChunk(client: DynamoDBDocumentClient, table: string, items: Record<string, unknown>[]): Promise<number> {
  let pending = items.map((Item) => ({ PutRequest: { Item } }));
  for (let attempt = 1; ; attempt++) {
    const { UnprocessedItems } = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
    const left = UnprocessedItems?.[table] ?? [];
    if (left.length === 0) return attempt;
    if (attempt >= maxAttempts) throw new Error(`DynamoDB left ${left.length} writes unprocessed after ${attempt} attempts`);
    pending = left as typeof pending;
    await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 25));
  }
}
