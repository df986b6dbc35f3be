import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { remoteHostId, type Host } from '#shared/domain/host.ts';
import { writeInChunks } from './batch-write.ts';
import { decodeCursor, encodeCursor, type Page } from './cursor.ts';
import { addressKey, type HostFilter, type HostStore, type HostSyncState, type PlatformHostKey } from './host-store.ts';
import { updateIfExists } from './update-expression.ts';

const maxKeysPerBatchGet = 100;
const syncStateAttributes: readonly string[] = ['id', 'contentHash', 'status', 'lastTaskId', 'lastChange', 'firstSeenAt'];
/** Above this many addresses to look up, findManyByAddress scans the byAddress index instead of querying it. */
const addressQueryLimit = 200;
const addressScanSegments = 4;

export class DynamoDbHostStore implements HostStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, table: string) {
    this.#client = client;
    this.#table = table;
  }

  async get(id: string): Promise<Host | undefined> {
    const { Item } = await this.#client.send(new GetCommand({ TableName: this.#table, Key: { id } }));
    return Item as Host | undefined;
  }

  async getMany(ids: string[]): Promise<Host[]> {
    return this.#getMany(ids);
  }

  getSyncStates(ids: string[]): Promise<HostSyncState[]> {
    return this.#getMany(ids, syncStateAttributes) as Promise<HostSyncState[]>;
  }

  async #getMany(ids: string[], attributes?: readonly string[]): Promise<Host[]> {
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += maxKeysPerBatchGet) chunks.push(ids.slice(i, i + maxKeysPerBatchGet));
    const pages = await Promise.all(chunks.map((chunk) => this.#getChunk(chunk, attributes)));
    return pages.flat();
  }

  async #getChunk(ids: string[], attributes?: readonly string[]): Promise<Host[]> {
    const projection = attributes
      ? { ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '), ExpressionAttributeNames: Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name])) }
      : {};
    const found: Host[] = [];
    let keys: Record<string, unknown>[] = ids.map((id) => ({ id }));
    for (let attempt = 1; keys.length > 0; attempt++) {
      if (attempt > 8) throw new Error(`DynamoDB left ${keys.length} reads unprocessed`);
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 25));
      const { Responses, UnprocessedKeys } = await this.#client.send(
        new BatchGetCommand({ RequestItems: { [this.#table]: { Keys: keys, ConsistentRead: true, ...projection } } }),
      );
      found.push(...((Responses?.[this.#table] ?? []) as Host[]));
      keys = UnprocessedKeys?.[this.#table]?.Keys ?? [];
    }
    return found;
  }

  putMany(hosts: Host[]): Promise<number> {
    return writeInChunks(this.#client, this.#table, hosts as unknown as Record<string, unknown>[]);
  }

  async list(filter: HostFilter, { limit, cursor }: { limit: number; cursor?: string }): Promise<Page<Host>> {
    const conditions: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const addFilter = (field: 'kind' | 'status' | 'source' | 'platformId', value: string | undefined) => {
      if (value === undefined) return;
      conditions.push(`#${field} = :${field}`);
      names[`#${field}`] = field;
      values[`:${field}`] = value;
    };
    // The most selective index serves the query; other criteria filter.
    const index = filter.platformId ? 'byPlatform' : filter.source ? 'bySource' : undefined;
    const keyField = filter.platformId ? 'platformId' : 'source';
    if (index !== 'byPlatform') addFilter('platformId', filter.platformId);
    if (index !== 'bySource') addFilter('source', filter.source);
    addFilter('kind', filter.kind);
    addFilter('status', filter.status);
    if (filter.q) {
      conditions.push('(contains(#searchName, :q) OR contains(#address, :q))');
      names['#searchName'] = 'searchName';
      names['#address'] = 'address';
      values[':q'] = filter.q.toLowerCase();
    }
    const items: Host[] = [];
    let startKey: Record<string, unknown> | undefined = decodeCursor(cursor, index ? ['id', keyField] : ['id']);
    do {
      const common = {
        TableName: this.#table,
        Limit: limit - items.length,
        ExclusiveStartKey: startKey,
        ...(conditions.length ? { FilterExpression: conditions.join(' AND ') } : {}),
      };
      const page = index
        ? await this.#client.send(
            new QueryCommand({
              ...common,
              // byPlatform projects only a few attributes: the query reads keys, then full items below.
              IndexName: index,
              KeyConditionExpression: `#key = :key`,
              ExpressionAttributeNames: { ...names, '#key': keyField },
              ExpressionAttributeValues: { ...values, ':key': filter.platformId ?? filter.source },
            }),
          )
        : await this.#client.send(
            new ScanCommand({
              ...common,
              ...(conditions.length ? { ExpressionAttributeNames: names, ExpressionAttributeValues: values } : {}),
            }),
          );
      const pageItems = (page.Items ?? []) as Host[];
      // The indexes project only what filters test: read the full items behind a page.
      items.push(...(index ? await this.#hydrate(pageItems) : pageItems));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    const nextCursor = encodeCursor(startKey);
    return { items: items.map(withoutSearchName), ...(nextCursor ? { nextCursor } : {}) };
  }

  async #hydrate(keys: Host[]): Promise<Host[]> {
    const full = new Map((await this.getMany(keys.map((host) => host.id))).map((host) => [host.id, host]));
    return keys.map((key) => full.get(key.id)).filter((host): host is Host => host !== undefined);
  }

  async *listPlatformHostKeys(platformId: string): AsyncGenerator<PlatformHostKey[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: 'byPlatform',
          KeyConditionExpression: 'platformId = :platformId',
          ExpressionAttributeValues: { ':platformId': platformId },
          ExclusiveStartKey: startKey,
        }),
      );
      yield (page.Items ?? []) as PlatformHostKey[];
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async markMissing(ids: string[], at: string, taskId?: string): Promise<number> {
    let marked = 0;
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          await this.#client.send(
            new UpdateCommand({
              TableName: this.#table,
              Key: { id },
              UpdateExpression: `SET #status = :missing, missingSince = if_not_exists(missingSince, :at)${taskId ? ', lastTaskId = :taskId' : ''}`,
              ConditionExpression: 'attribute_exists(id) AND #status = :active',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':missing': 'missing', ':active': 'active', ':at': at, ...(taskId ? { ':taskId': taskId } : {}) },
            }),
          );
          marked++;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return marked;
  }

  async create(host: Host): Promise<boolean> {
    try {
      await this.#client.send(new PutCommand({ TableName: this.#table, Item: host, ConditionExpression: 'attribute_not_exists(id)' }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async findByAddress(address: string, port: number): Promise<Host | undefined> {
    return (await this.findManyByAddress([{ address, port }])).get(addressKey(address, port));
  }

  /**
   * First by id: a host created for (address, port) has the derived id
   * remoteHostId(address, port), read consistently, so a host written a moment
   * ago is found even before the index catches up. Only addresses not found
   * that way (new ones, or hosts whose address was changed later) cost a
   * `byAddress` query; every index hit is confirmed on the base table.
   */
  async findManyByAddress(keys: { address: string; port: number }[]): Promise<Map<string, Host>> {
    const found = new Map<string, Host>();
    const matches = (host: Host, address: string, port: number) => {
      // Only hosts added by hand or by scan: a platform host carrying an address is its platform's business.
      const remote = host as Host & { address?: string; port?: number };
      return host.source !== 'platform' && remote.address === address && remote.port === port;
    };
    const byDerivedId = new Map(keys.map((key) => [remoteHostId(key.address, key.port), key]));
    for (const host of await this.getMany([...byDerivedId.keys()])) {
      const key = byDerivedId.get(host.id);
      if (key && matches(host, key.address, key.port)) found.set(addressKey(key.address, key.port), host);
    }

    const rest = keys.filter((key) => !found.has(addressKey(key.address, key.port)));
    const wanted = new Set(rest.map((key) => addressKey(key.address, key.port)));
    const candidates = new Set<string>();
    const collect = (items: Record<string, unknown>[] | undefined) => {
      for (const item of items ?? []) {
        if (wanted.has(addressKey(String(item['address']), Number(item['port'])))) candidates.add(String(item['id']));
      }
    };
    if (rest.length > addressQueryLimit) {
      // Many addresses (a large import): reading the whole sparse index (remote hosts only, three small
      // attributes each) costs less than one query per address.
      await Promise.all(
        Array.from({ length: addressScanSegments }, async (_, segment) => {
          let startKey: Record<string, unknown> | undefined;
          do {
            const page = await this.#client.send(
              new ScanCommand({
                TableName: this.#table,
                IndexName: 'byAddress',
                ProjectionExpression: 'id, address, port',
                Segment: segment,
                TotalSegments: addressScanSegments,
                ExclusiveStartKey: startKey,
              }),
            );
            collect(page.Items);
            startKey = page.LastEvaluatedKey;
          } while (startKey);
        }),
      );
    } else {
      const queue = [...rest];
      const worker = async () => {
        for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
          let startKey: Record<string, unknown> | undefined;
          do {
            const page = await this.#client.send(
              new QueryCommand({
                TableName: this.#table,
                IndexName: 'byAddress',
                KeyConditionExpression: 'address = :address',
                ExpressionAttributeValues: { ':address': key.address },
                ExclusiveStartKey: startKey,
              }),
            );
            collect(page.Items);
            startKey = page.LastEvaluatedKey;
          } while (startKey);
        }
      };
      await Promise.all(Array.from({ length: Math.min(16, rest.length) }, worker));
    }
    if (candidates.size === 0) return found;

    const hosts = (await this.getMany([...candidates])).sort((a, b) => (a.firstSeenAt < b.firstSeenAt ? -1 : a.firstSeenAt > b.firstSeenAt ? 1 : 0));
    for (const key of rest) {
      const host = hosts.find((candidate) => matches(candidate, key.address, key.port));
      if (host) found.set(addressKey(key.address, key.port), host);
    }
    return found;
  }

  async update(id: string, changes: Record<string, unknown>, remove: string[] = []): Promise<Host | undefined> {
    const updated = await updateIfExists(this.#client, this.#table, id, changes, remove);
    return updated ? withoutSearchName(updated as unknown as Host) : undefined;
  }


  async delete(id: string): Promise<Host | undefined> {
    try {
      const { Attributes } = await this.#client.send(
        new DeleteCommand({ TableName: this.#table, Key: { id }, ConditionExpression: 'attribute_exists(id)', ReturnValues: 'ALL_OLD' }),
      );
      return Attributes as Host;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async listHostsByCredential(credentialId: string, limit: number): Promise<{ id: string; name?: string }[]> {
    const { Items } = await this.#client.send(
      new QueryCommand({
        TableName: this.#table,
        IndexName: 'byCredential',
        KeyConditionExpression: 'credentialId = :credentialId',
        ExpressionAttributeValues: { ':credentialId': credentialId },
        Limit: limit,
      }),
    );
    return (Items ?? []).map((item) => ({ id: String(item['id']), ...(typeof item['name'] === 'string' ? { name: item['name'] } : {}) }));
  }
}

function withoutSearchName(host: Host): Host {
  const { searchName: _searchName, ...rest } = host as Host & { searchName?: string };
  return rest as Host;
}
