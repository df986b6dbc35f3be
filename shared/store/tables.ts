/**
 * The DynamoDB tables, described once. The CDK stack deploys them from these
 * specs and the local stack creates them in DynamoDB Local from the same specs,
 * so both always agree on keys and indexes. Access patterns: docs/data-model.md.
 */
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface IndexSpec {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /** Non-key attributes copied into the index; absent means ALL. */
  nonKeyAttributes?: string[];
}

export interface TableSpec {
  /** Logical name; the physical name comes from an environment variable. */
  id: 'platforms' | 'hosts' | 'tasks' | 'taskItems' | 'credentials';
  /** Environment variable that carries the physical table name to the Lambdas. */
  envVar: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  indexes: IndexSpec[];
  timeToLiveAttribute?: string;
}

export const platformsTable: TableSpec = {
  id: 'platforms',
  envVar: 'PLATFORMS_TABLE',
  partitionKey: { name: 'id', type: 'S' },
  indexes: [],
};

export const hostsTable: TableSpec = {
  id: 'hosts',
  envVar: 'HOSTS_TABLE',
  partitionKey: { name: 'id', type: 'S' },
  indexes: [
    {
      indexName: 'byPlatform',
      partitionKey: { name: 'platformId', type: 'S' },
      sortKey: { name: 'id', type: 'S' },
      // Everything list filters test, so a filtered query never needs the base table.
      nonKeyAttributes: ['status', 'kind', 'moref', 'name', 'lastSeenAt', 'source', 'searchName', 'address'],
    },
    {
      indexName: 'bySource',
      partitionKey: { name: 'source', type: 'S' },
      sortKey: { name: 'id', type: 'S' },
      // Not ALL: a full copy of every host would double the cost of each sync write.
      nonKeyAttributes: ['status', 'kind', 'platformId', 'searchName', 'address'],
    },
    {
      // Hosts added by hand or by scan, found by address: import updates instead of duplicating.
      indexName: 'byAddress',
      partitionKey: { name: 'address', type: 'S' },
      sortKey: { name: 'id', type: 'S' },
      nonKeyAttributes: ['port'],
    },
    {
      // Hosts sharing a credential profile: a profile in use cannot be deleted.
      indexName: 'byCredential',
      partitionKey: { name: 'credentialId', type: 'S' },
      sortKey: { name: 'id', type: 'S' },
      nonKeyAttributes: ['name'],
    },
  ],
};

export const tasksTable: TableSpec = {
  id: 'tasks',
  envVar: 'TASKS_TABLE',
  partitionKey: { name: 'id', type: 'S' },
  indexes: [
    {
      indexName: 'byCreatedAt',
      // Every task carries listKey = "task"; tasks are few enough per day that
      // one index partition serves "newest first" without a hot spot.
      partitionKey: { name: 'listKey', type: 'S' },
      sortKey: { name: 'createdAt', type: 'S' },
    },
  ],
};

export const taskItemsTable: TableSpec = {
  id: 'taskItems',
  envVar: 'TASK_ITEMS_TABLE',
  partitionKey: { name: 'taskId', type: 'S' },
  sortKey: { name: 'itemKey', type: 'S' },
  indexes: [],
  timeToLiveAttribute: 'expiresAt',
};

/** Named credential profiles (metadata only; the material is in the secret store). */
export const credentialsTable: TableSpec = {
  id: 'credentials',
  envVar: 'CREDENTIALS_TABLE',
  partitionKey: { name: 'id', type: 'S' },
  indexes: [],
};

export const allTables: TableSpec[] = [platformsTable, hostsTable, tasksTable, taskItemsTable, credentialsTable];

/** Physical table name as the Lambdas see it. */
export function tableName(spec: TableSpec): string {
  const name = process.env[spec.envVar];
  if (!name) throw new Error(`environment variable ${spec.envVar} is not set`);
  return name;
}
