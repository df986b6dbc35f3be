/**
 * Every Lambda function of the product, described once. The CDK stack turns
 * each entry into a NodejsFunction (with the IAM grants listed in `access`),
 * API routes into HTTP API routes, and the local stack binds the same entries
 * to its HTTP adapter and workflow runner. Add a handler here and both pick it up.
 */
import type { TableSpec } from '#shared/store/tables.ts';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface ApiRoute {
  method: HttpMethod;
  /** API Gateway style path, parameters in braces: /api/virtualization/{platformId}. */
  path: string;
  /** Reachable without credentials (health, OpenAPI document). */
  public?: boolean;
}

export type TableAccess = 'read' | 'write';

export interface FunctionSpec {
  /** Construct id and function name suffix. */
  id: string;
  /** Repo-relative source file exporting `handler`. */
  entry: string;
  description: string;
  route?: ApiRoute;
  timeoutSeconds?: number;
  memoryMb?: number;
  access: {
    tables?: Partial<Record<TableSpec['id'], TableAccess>>;
    /** Platform and host credentials in Secrets Manager. */
    secrets?: 'read' | 'write';
    /** StartExecution on the platform-sync state machine. */
    startsSync?: boolean;
    /** StartExecution on the collect-hosts state machine. */
    startsCollection?: boolean;
    /** Sends to the sync-requests queue. */
    sendsSyncRequests?: boolean;
    /** Speaks SOAP to vCenters or ESXi hosts: the bundle ships the compact WSDL. */
    vsphere?: boolean;
  };
}

const api = (id: string, method: HttpMethod, path: string, access: FunctionSpec['access'], description: string, isPublic = false): FunctionSpec => ({
  id,
  entry: `functions/api/${id}.ts`,
  description,
  route: { method, path, ...(isPublic ? { public: true } : {}) },
  access,
});

export const apiFunctions: FunctionSpec[] = [
  api('get-health', 'GET', '/api/health', {}, 'Liveness of the API', true),
  api('get-openapi', 'GET', '/api/openapi.json', {}, 'OpenAPI 3.1 document', true),
  api('create-platform', 'POST', '/api/virtualization', { tables: { platforms: 'write' }, secrets: 'write' }, 'Register a vCenter platform'),
  api('list-platforms', 'GET', '/api/virtualization', { tables: { platforms: 'read' } }, 'List platforms'),
  api('get-platform', 'GET', '/api/virtualization/{platformId}', { tables: { platforms: 'read' } }, 'Get a platform'),
  api('update-platform', 'PATCH', '/api/virtualization/{platformId}', { tables: { platforms: 'write' }, secrets: 'write' }, 'Update a platform'),
  api('delete-platform', 'DELETE', '/api/virtualization/{platformId}', { tables: { platforms: 'write', hosts: 'write' }, secrets: 'write' }, 'Delete a platform, keeping its hosts as missing'),
  api('start-platform-sync', 'POST', '/api/virtualization/{platformId}/sync', { tables: { platforms: 'write', tasks: 'write' }, startsSync: true }, 'Start a platform sync'),
  api('list-tasks', 'GET', '/api/tasks', { tables: { tasks: 'read' } }, 'List tasks, newest first'),
  api('get-task', 'GET', '/api/tasks/{taskId}', { tables: { tasks: 'read' } }, 'Get a task with its progress'),
  api('list-task-items', 'GET', '/api/tasks/{taskId}/items', { tables: { tasks: 'read', taskItems: 'read' } }, "List a task's per-host outcomes"),
  api('list-hosts', 'GET', '/api/hosts', { tables: { hosts: 'read' } }, 'List hosts'),
  api('get-host', 'GET', '/api/hosts/{hostId}', { tables: { hosts: 'read' } }, 'Get a host'),
  api('create-host', 'POST', '/api/hosts', { tables: { hosts: 'write', credentials: 'read' }, secrets: 'write' }, 'Add a host by hand'),
  {
    ...api('import-hosts', 'POST', '/api/hosts/import', { tables: { hosts: 'write', credentials: 'read' }, secrets: 'write' }, 'Import hosts from scan results (up to 10,000)'),
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  api('update-host', 'PATCH', '/api/hosts/{hostId}', { tables: { hosts: 'write', credentials: 'read' }, secrets: 'write' }, 'Update a host added by hand or by scan'),
  api('delete-host', 'DELETE', '/api/hosts/{hostId}', { tables: { hosts: 'write', platforms: 'write' }, secrets: 'write' }, 'Delete a host and its inline credential'),
  api('create-credential', 'POST', '/api/credentials', { tables: { credentials: 'write' }, secrets: 'write' }, 'Create a named credential profile'),
  api('list-credentials', 'GET', '/api/credentials', { tables: { credentials: 'read' } }, 'List credential profiles (metadata only)'),
  api('delete-credential', 'DELETE', '/api/credentials/{credentialId}', { tables: { credentials: 'write', hosts: 'read' }, secrets: 'write' }, 'Delete a credential profile no host uses'),
  api('start-host-collection', 'POST', '/api/hosts/batch/collect', { tables: { hosts: 'read', tasks: 'write', taskItems: 'write' }, startsCollection: true }, 'Collect selected hosts'),
];

const workflow = (id: string, access: FunctionSpec['access'], description: string, timeoutSeconds: number, memoryMb: number): FunctionSpec => ({
  id,
  entry: `functions/workflow/${id}.ts`,
  description,
  access,
  timeoutSeconds,
  memoryMb,
});

export const workflowFunctions: FunctionSpec[] = [
  workflow('plan-sync-batches', { tables: { platforms: 'read', tasks: 'write', taskItems: 'write' }, secrets: 'read', vsphere: true }, 'Log in to the vCenter, discover its hosts and VMs, store batch plans', 300, 1024),
  workflow('sync-batch', { tables: { platforms: 'read', hosts: 'write', tasks: 'write', taskItems: 'write' }, secrets: 'read', vsphere: true }, 'Fetch one batch of hosts or VMs and upsert them', 300, 512),
  workflow('mark-missing-hosts', { tables: { platforms: 'write', hosts: 'write', tasks: 'write', taskItems: 'read' } }, 'Mark hosts not seen by the sync as missing and finish the task', 300, 512),
  workflow('fail-task', { tables: { platforms: 'write', tasks: 'write' } }, 'Record a failed sync or collection on its task', 30, 256),
  workflow('collect-platform-batch', { tables: { platforms: 'write', hosts: 'write', tasks: 'write', taskItems: 'write' }, secrets: 'read', vsphere: true }, 'Refresh one batch of VMs / ESXi hosts of one platform from its vCenter', 300, 512),
  workflow('collect-remote-batch', { tables: { hosts: 'write', tasks: 'write', taskItems: 'write', credentials: 'read' }, secrets: 'read', vsphere: true }, 'Collect one batch of servers over SSH (Linux, Windows) or vSphere (ESXi), a few at a time', 900, 512),
  workflow('finish-collection', { tables: { tasks: 'write' } }, 'Give a collection task its final status', 30, 256),
];

export const scheduleFunctions: FunctionSpec[] = [
  {
    id: 'dispatch-scheduled-syncs',
    entry: 'functions/schedule/dispatch-scheduled-syncs.ts',
    description: 'Every minute: queue a sync request for each platform whose schedule is due',
    access: { tables: { platforms: 'write' }, sendsSyncRequests: true },
    timeoutSeconds: 60,
  },
  {
    id: 'start-queued-sync',
    entry: 'functions/schedule/start-queued-sync.ts',
    description: 'Start the sync requested by a queue message',
    access: { tables: { platforms: 'write', tasks: 'write' }, startsSync: true },
    timeoutSeconds: 30,
  },
  {
    id: 'reconcile-execution',
    entry: 'functions/schedule/reconcile-execution.ts',
    description: 'Bring a task row in line with an execution that ended outside the workflow (stopped, timed out)',
    access: { tables: { platforms: 'write', tasks: 'write' } },
    timeoutSeconds: 30,
  },
];

export const allFunctions: FunctionSpec[] = [...apiFunctions, ...workflowFunctions, ...scheduleFunctions];
