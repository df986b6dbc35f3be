/**
 * The DynamoDB tables of shared/store/tables.ts, deployed as on-demand TableV2
 * with point-in-time recovery. The same specs create the tables in DynamoDB
 * Local, so keys and indexes cannot drift between AWS and the local stack.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { IndexSpec, KeyAttribute, TableSpec } from '#shared/store/tables.ts';

export type TableId = TableSpec['id'];

export interface InventoryTablesProps {
  specs: readonly TableSpec[];
  /** Inventory data is the product: RETAIN unless a throwaway stack says otherwise. */
  removalPolicy?: RemovalPolicy;
}

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return { name: key.name, type: key.type === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING };
}

function globalIndex(index: IndexSpec): dynamodb.GlobalSecondaryIndexPropsV2 {
  const keys = {
    indexName: index.indexName,
    partitionKey: attribute(index.partitionKey),
    ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
  };
  return index.nonKeyAttributes
    ? { ...keys, projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: index.nonKeyAttributes }
    : { ...keys, projectionType: dynamodb.ProjectionType.ALL };
}

export class InventoryTables extends Construct {
  readonly tables = new Map<TableId, { spec: TableSpec; table: dynamodb.TableV2 }>();

  constructor(scope: Construct, id: string, props: InventoryTablesProps) {
    super(scope, id);
    for (const spec of props.specs) {
      const table = new dynamodb.TableV2(this, spec.id, {
        partitionKey: attribute(spec.partitionKey),
        ...(spec.sortKey ? { sortKey: attribute(spec.sortKey) } : {}),
        billing: dynamodb.Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        ...(spec.timeToLiveAttribute ? { timeToLiveAttribute: spec.timeToLiveAttribute } : {}),
        globalSecondaryIndexes: spec.indexes.map(globalIndex),
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });
      this.tables.set(spec.id, { spec, table });
    }
  }

  get(id: TableId): dynamodb.TableV2 {
    const entry = this.tables.get(id);
    if (!entry) throw new Error(`no table ${id}`);
    return entry.table;
  }

  /** Environment variables carrying every physical table name (spec.envVar -> name). */
  environment(): Record<string, string> {
    return Object.fromEntries([...this.tables.values()].map(({ spec, table }) => [spec.envVar, table.tableName]));
  }
}
