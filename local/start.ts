/**
 * `npm start`: the local stack plus a vCenter simulator registered as the
 * platform "demo", so a newcomer can start a sync straight away.
 */
import { join, resolve } from 'node:path';
import { startLocalStack, type LocalStack } from './stack.ts';
import { startVcsim, type VcsimInstance } from './vcsim.ts';

const projectRoot = resolve(import.meta.dirname, '..');

async function main(): Promise<void> {
  const dataDir = resolve(process.env['INVENTORY_DATA_DIR'] ?? join(projectRoot, '.data'));
  const port = Number(process.env['PORT'] ?? 3000);
  const vms = Number(process.env['DEMO_VMS_PER_HOST'] ?? 20);

  let stack: LocalStack | undefined;
  let vcsim: VcsimInstance | undefined;
  const shutdown = async (code: number) => {
    console.log('\nstopping…');
    await stack?.stop();
    await vcsim?.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  try {
    stack = await startLocalStack({ dataDir, port });
    vcsim = await startVcsim({ hosts: 2, clusters: 1, vms });
    const demo = await registerDemoPlatform(stack, vcsim);
    printWelcome(stack, dataDir, demo);
  } catch (error) {
    console.error(`npm start failed: ${(error as Error).message}`);
    await shutdown(1);
  }
}

/** Creates the platform "demo" once; later starts point it at this run's simulator. */
async function registerDemoPlatform(stack: LocalStack, vcsim: VcsimInstance): Promise<string> {
  const api = apiClient(stack);
  const body = {
    endpoint: vcsim.url,
    username: vcsim.username,
    password: vcsim.password,
    tls: { mode: 'thumbprint', thumbprint: vcsim.thumbprintSha256 },
  };
  const existing = (await api('GET', '/virtualization?limit=1000')) as { items: Array<{ id: string; name: string }> };
  const demo = existing.items.find((platform) => platform.name === 'demo');
  if (demo) {
    await api('PATCH', `/virtualization/${demo.id}`, body);
    return demo.id;
  }
  const created = (await api('POST', '/virtualization', { name: 'demo', type: 'vmware', ...body })) as { id: string };
  return created.id;
}

function apiClient(stack: LocalStack) {
  return async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}

function printWelcome(stack: LocalStack, dataDir: string, demoId: string): void {
  const tokenFile = join(dataDir, 'api-token');
  const fromEnv = process.env['INVENTORY_API_TOKEN'] !== undefined;
  const tokenLine = fromEnv ? 'from INVENTORY_API_TOKEN' : stack.tokenCreated ? `${stack.token}   (new; saved in ${tokenFile})` : `in ${tokenFile}`;
  const tokenCommand = fromEnv ? 'TOKEN=$INVENTORY_API_TOKEN' : `TOKEN=$(cat ${tokenFile})`;
  console.log(`
Inventory collector is running (data in ${dataDir}).

  API        ${stack.apiUrl}
  API token  ${tokenLine}
  demo       platform ${demoId}, a vCenter simulator

Try a sync:
  ${tokenCommand}
  curl -s -X POST -H "Authorization: Bearer $TOKEN" ${stack.apiUrl}/virtualization/${demoId}/sync
  curl -s -H "Authorization: Bearer $TOKEN" ${stack.apiUrl}/tasks/<taskId>

Ctrl-C stops everything.`);
}

await main();
