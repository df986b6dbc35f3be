/**
 * The whole product in one stack: tables, one Lambda per catalog entry with
 * the grants its `access` lists and nothing more, the HTTP API, the
 * platform-sync and collect-hosts state machines, and the schedule / queue /
 * EventBridge plumbing.
 *
 * Everything is derived from functions/catalog.ts and shared/store/tables.ts,
 * so adding a handler or a table there is all it takes.
 */
import { join } from 'node:path';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { CfnElement, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { allFunctions } from '#functions/catalog.ts';
import type { FunctionSpec } from '#functions/catalog.ts';
import { allTables } from '#shared/store/tables.ts';
import { InventoryFunction } from './constructs/inventory-function.ts';
import { InventoryHttpApi } from './constructs/inventory-http-api.ts';
import { InventoryTables } from './constructs/inventory-tables.ts';
import type { TableId } from './constructs/inventory-tables.ts';
import { SyncRequestsQueue } from './constructs/sync-requests-queue.ts';
import { SyncTriggers } from './constructs/sync-triggers.ts';
import { catalogEntry, projectRoot } from './function-entries.ts';
import { CollectHostsWorkflow } from './workflows/collect-hosts.ts';
import { PlatformSyncWorkflow } from './workflows/platform-sync.ts';

/** Secrets Manager names of platform and host credentials start with this. */
export const SECRET_PREFIX = 'inventory/';
export const SERVICE_NAME = 'inventory-collector';

export interface InventoryStackProps extends StackProps {
  /** Absolute handler path for a catalog entry (default: the entry in the repository). */
  entryFor?: (spec: FunctionSpec) => string;
  /** Powertools log level of every function. */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** DESTROY for throwaway stacks; RETAIN (default) keeps tables and logs. */
  removalPolicy?: RemovalPolicy;
  logRetention?: logs.RetentionDays;
  apiThrottle?: { rateLimit: number; burstLimit: number };
  // Network placement of the collectors (not a prop yet): every function runs
  // as a default Lambda outside any VPC, with outbound internet access only.
  // collect-remote-batch (SSH to servers, vSphere to ESXi hosts) and the
  // vCenter-facing functions (plan-sync-batches, sync-batch, collect-platform-batch)
  // reach the machines they inventory over the network; in production those
  // usually sit on private networks, so these Lambdas typically run in a VPC
  // with private subnets (routed to the vCenters / servers, e.g. through a
  // Transit Gateway or VPN, plus a NAT gateway or VPC endpoints for DynamoDB,
  // Secrets Manager and X-Ray). When that is needed, add it here as a stack
  // prop, e.g. `collectorNetwork?: { vpc: ec2.IVpc; subnets: ec2.SubnetSelection;
  // securityGroups: ec2.ISecurityGroup[] }`, applied to those functions only.
}

export class InventoryStack extends Stack {
  readonly tables: InventoryTables;
  readonly functions = new Map<string, InventoryFunction>();
  /** The platform-sync workflow. */
  readonly workflow: PlatformSyncWorkflow;
  readonly collectHosts: CollectHostsWorkflow;
  readonly api: InventoryHttpApi;
  readonly syncRequests: SyncRequestsQueue;

  constructor(scope: Construct, id: string, props: InventoryStackProps = {}) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const entryFor = props.entryFor ?? catalogEntry;

    this.tables = new InventoryTables(this, 'Tables', { specs: allTables, removalPolicy });

    const environment = {
      ...this.tables.environment(),
      SECRET_STORE: 'secretsmanager',
      SECRET_PREFIX,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
    };
    for (const spec of allFunctions) {
      const fn = new InventoryFunction(this, spec.id, {
        spec,
        entry: entryFor(spec),
        projectRoot,
        depsLockFilePath: join(projectRoot, 'package-lock.json'),
        environment,
        logRetention,
        logRemovalPolicy: removalPolicy,
      });
      this.functions.set(spec.id, fn);
      this.grantTablesAndSecrets(spec, fn);
    }

    this.workflow = new PlatformSyncWorkflow(this, 'PlatformSync', {
      functions: {
        planSyncBatches: this.fn('plan-sync-batches'),
        syncBatch: this.fn('sync-batch'),
        markMissingHosts: this.fn('mark-missing-hosts'),
        failTask: this.fn('fail-task'),
      },
      stateMachineName: `${this.stackName}-platform-sync`,
      logRetention,
      logRemovalPolicy: removalPolicy,
    });
    const stateMachine = this.workflow.stateMachine;
    this.acknowledgeStateMachineWildcards(stateMachine, ['plan-sync-batches', 'sync-batch', 'mark-missing-hosts', 'fail-task']);

    this.collectHosts = new CollectHostsWorkflow(this, 'CollectHosts', {
      functions: {
        collectPlatformBatch: this.fn('collect-platform-batch'),
        // Outbound network only (SSH, vSphere): a default Lambda, no VPC; see
        // the note on network placement in InventoryStackProps.
        collectRemoteBatch: this.fn('collect-remote-batch'),
        finishCollection: this.fn('finish-collection'),
        failTask: this.fn('fail-task'),
      },
      stateMachineName: `${this.stackName}-collect-hosts`,
      logRetention,
      logRemovalPolicy: removalPolicy,
    });
    const collectStateMachine = this.collectHosts.stateMachine;
    this.acknowledgeStateMachineWildcards(collectStateMachine, ['collect-platform-batch', 'collect-remote-batch', 'finish-collection', 'fail-task']);

    const starter = this.functionSpec('start-queued-sync');
    this.syncRequests = new SyncRequestsQueue(this, 'SyncRequests', {
      consumerTimeout: Duration.seconds(starter.timeoutSeconds ?? 30),
    });

    for (const spec of allFunctions) {
      const { fn } = this.inventoryFunction(spec.id);
      if (spec.access.startsSync) {
        fn.addEnvironment('SYNC_STATE_MACHINE_ARN', stateMachine.stateMachineArn);
        stateMachine.grantStartExecution(fn);
      }
      if (spec.access.startsCollection) {
        fn.addEnvironment('COLLECT_STATE_MACHINE_ARN', collectStateMachine.stateMachineArn);
        collectStateMachine.grantStartExecution(fn);
      }
      if (spec.access.sendsSyncRequests) {
        fn.addEnvironment('SYNC_REQUESTS_QUEUE_URL', this.syncRequests.queue.queueUrl);
        this.syncRequests.queue.grant(fn, 'sqs:SendMessage');
      }
    }

    new SyncTriggers(this, 'SyncTriggers', {
      dispatcher: this.fn('dispatch-scheduled-syncs'),
      starter: this.fn('start-queued-sync'),
      reconciler: this.fn('reconcile-execution'),
      queue: this.syncRequests.queue,
      stateMachines: [stateMachine, collectStateMachine],
    });

    this.api = new InventoryHttpApi(this, 'Http', {
      routes: allFunctions.flatMap((spec) => (spec.route ? [{ id: spec.id, route: spec.route, fn: this.fn(spec.id) }] : [])),
      throttle: props.apiThrottle ?? { rateLimit: 50, burstLimit: 100 },
      logRetention,
      logRemovalPolicy: removalPolicy,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'PlatformSyncStateMachineArn', {
      value: stateMachine.stateMachineArn,
      description: 'ARN of the platform-sync state machine',
    });
    new CfnOutput(this, 'CollectHostsStateMachineArn', {
      value: collectStateMachine.stateMachineArn,
      description: 'ARN of the collect-hosts state machine',
    });
    new CfnOutput(this, 'SyncRequestsQueueUrl', { value: this.syncRequests.queue.queueUrl });
  }

  functionSpec(id: string): FunctionSpec {
    const spec = allFunctions.find((s) => s.id === id);
    if (!spec) throw new Error(`no catalog function ${id}`);
    return spec;
  }

  inventoryFunction(id: string): InventoryFunction {
    const fn = this.functions.get(id);
    if (!fn) throw new Error(`no catalog function ${id}`);
    return fn;
  }

  fn(id: string) {
    return this.inventoryFunction(id).fn;
  }

  /** CloudFormation logical id of a catalog function's AWS::Lambda::Function. */
  functionLogicalId(id: string): string {
    return this.getLogicalId(this.fn(id).node.defaultChild as CfnElement);
  }

  private grantTablesAndSecrets(spec: FunctionSpec, { fn, role }: InventoryFunction): void {
    for (const [tableId, access] of Object.entries(spec.access.tables ?? {}) as [TableId, 'read' | 'write'][]) {
      const table = this.tables.get(tableId);
      if (access === 'write') table.grantReadWriteData(fn);
      else table.grantReadData(fn);
      const tableSpec = allTables.find((t) => t.id === tableId);
      if (tableSpec && tableSpec.indexes.length > 0) {
        Validations.of(role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(table.node.defaultChild as CfnElement)}.Arn>/index/*]`,
          reason: `Queries the ${tableId} table's own secondary indexes (${tableSpec.indexes.map((i) => i.indexName).join(', ')}); the wildcard is scoped to that table.`,
        });
      }
    }

    if (spec.access.secrets) {
      const secretArn = this.formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: `${SECRET_PREFIX}*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      const read = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];
      const write = ['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:TagResource'];
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: spec.access.secrets === 'write' ? [...read, ...write] : read,
          resources: [secretArn],
        }),
      );
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${SECRET_PREFIX}*]`,
        reason: `Credentials are one secret per platform or host, named ${SECRET_PREFIX}<id> at run time (plus Secrets Manager's random suffix); the wildcard is limited to that prefix.`,
      });
    }

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
    });
  }

  /** cdk-nag acknowledgements of a state machine role: LambdaInvoke's version wildcards on the functions it invokes, tracing and log delivery. */
  private acknowledgeStateMachineWildcards(stateMachine: sfn.StateMachine, invokedFunctionIds: readonly string[]): void {
    const role = stateMachine.role;
    for (const id of invokedFunctionIds) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.functionLogicalId(id)}.Arn>:*]`,
        reason: `lambda:InvokeFunction on the ${id} function and its versions/aliases only (added by LambdaInvoke).`,
      });
    }
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray tracing and CloudWatch Logs delivery (logs:CreateLogDelivery etc.) do not support resource-level permissions.',
    });
  }
}
