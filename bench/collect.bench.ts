/**
 * `npm run bench:collect`: normal collection of many Linux hosts served by
 * local sshd instances (distinct loopback addresses), then platform
 * collection of 2,000 VMs on vcsim, both through the whole local stack.
 *
 *   npm run bench:collect -- --ssh-hosts 200 --vms 2000
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startLocalStack } from '#local/stack.ts';
import { apiClient, finalStatuses, registerVcsim, trackPeakMemory } from './support.ts';
import { startSshd, type RunningSshd } from '#local/sshd.ts';
import { startVcsim } from '#local/vcsim.ts';

const { values: args } = parseArgs({
  options: {
    'ssh-hosts': { type: 'string', default: '200' },
    vms: { type: 'string', default: '2000' },
    'batch-size': { type: 'string', default: '25' },
    'per-batch-concurrency': { type: 'string', default: '10' },
    'poll-ms': { type: 'string', default: '250' },
    trace: { type: 'boolean', default: false },
  },
});
const sshHosts = Number(args['ssh-hosts']);
const addressesPerSshd = 16;

const memory = trackPeakMemory();
const dataDir = await mkdtemp(join(tmpdir(), 'inventory-bench-'));
process.env['POWERTOOLS_LOG_LEVEL'] = 'ERROR';
const stack = await startLocalStack({
  dataDir,
  port: 0,
  persist: false,
  scheduleEveryMs: false,
  env: { COLLECT_REMOTE_BATCH_SIZE: args['batch-size'], COLLECT_CONCURRENCY: args['per-batch-concurrency'] },
});
const api = apiClient(stack);
const servers: RunningSshd[] = [];

try {
  console.log(`starting ${Math.ceil(sshHosts / addressesPerSshd)} sshd instances for ${sshHosts} loopback hosts …`);
  const hosts: Array<{ address: string; port: number; kind: 'linux'; credentialId: string }> = [];
  for (let i = 0; hosts.length < sshHosts; i++) {
    const count = Math.min(addressesPerSshd, sshHosts - hosts.length);
    const listen = Array.from({ length: count }, (_, j) => `127.0.${10 + i}.${j + 1}`);
    const server = await startSshd({ listenAddress: listen[0] as '127.0.0.1', extraListenAddresses: listen.slice(1) });
    servers.push(server);
    // Key authentication, as automation accounts use: a password costs each login a yescrypt
    // verification in sshd (deliberately slow), which would dominate the figures. Each sshd
    // generated its own key for the test user: one credential profile per sshd.
    const profile = (await api('POST', '/credentials', { name: `bench-${i}`, username: server.user.username, privateKey: server.user.privateKey })) as { id: string };
    hosts.push(...listen.map((address) => ({ address, port: server.port, kind: 'linux' as const, credentialId: profile.id })));
  }
  const imported = (await api('POST', '/hosts/import', hosts)) as { items: Array<{ id: string }> };

  const { sshStats, resetSshStats } = await import('#shared/collectors/ssh/run-command.ts');
  resetSshStats();
  const ssh = await timedCollection(imported.items.map((item) => item.id));
  report(`normal collection, ${sshHosts} Linux hosts over SSH (concurrency ${5 * Number(args['per-batch-concurrency'])})`, ssh);
  console.log(`  SSH connections per host      ${(sshStats.connections / sshHosts).toFixed(2)}`);
  console.log(`  exec channels per host        ${(sshStats.execs / sshHosts).toFixed(2)}`);

  const vmsPerHost = Math.ceil(Number(args.vms) / 4);
  const vcsim = await startVcsim({ hosts: 4, clusters: 0, vms: vmsPerHost });
  try {
    const platform = { id: await registerVcsim(api, vcsim, 'bench') };
    const { taskId } = (await api('POST', `/virtualization/${platform.id}/sync`)) as { taskId: string };
    await waitFor(taskId);
    const vmIds: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await api('GET', `/hosts?platformId=${platform.id}&kind=vm&limit=1000${cursor ? `&cursor=${cursor}` : ''}`)) as { items: Array<{ id: string }>; nextCursor?: string };
      vmIds.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    report(`platform collection, ${vmIds.length} VMs from vcsim`, await timedCollection(vmIds));
  } finally {
    await vcsim.stop();
  }
  console.log(`\npeak memory: local stack Node process ${(memory.peakRss() / 1024 / 1024).toFixed(0)} MB RSS`);
} finally {
  memory.stop();
  await stack.whenIdle();
  await stack.stop();
  await Promise.all(servers.map((server) => server.stop()));
  await rm(dataDir, { recursive: true, force: true });
}

interface TaskView {
  status: string;
  progress: { total: number; processed: number; succeeded: number; failed: number; percent: number };
}

async function timedCollection(hostIds: string[]) {
  // Everything shares one Node process here: its event-loop delay bounds how fresh each poll can be.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { taskId } = (await api('POST', '/hosts/batch/collect', { hostIds })) as { taskId: string };
  const changes = [started];
  const trace: string[] = [];
  let last = -1;
  let task: TaskView;
  for (;;) {
    task = (await api('GET', `/tasks/${taskId}`)) as TaskView;
    if (task.progress.percent !== last) {
      changes.push(performance.now());
      last = task.progress.percent;
      trace.push(`${((performance.now() - started) / 1000).toFixed(2)}s ${task.progress.percent}%`);
    }
    if (finalStatuses.includes(task.status)) break;
    await new Promise((resolve) => setTimeout(resolve, Number(args['poll-ms'])));
  }
  const seconds = (performance.now() - started) / 1000;
  loopDelay.disable();
  const used = process.cpuUsage(cpu);
  console.log(`  (stack process: ${((used.user + used.system) / 1e6).toFixed(1)} s CPU, event-loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms, max ${(loopDelay.max / 1e6).toFixed(0)} ms)`);
  const gaps = changes.slice(1).map((at, i) => at - changes[i]!);
  if (args.trace) console.log(`  progress: ${trace.join(', ')}`);
  return { task, seconds, largestGapMs: Math.max(...gaps), distinct: changes.length - 1 };
}

async function waitFor(taskId: string): Promise<void> {
  for (;;) {
    const task = (await api('GET', `/tasks/${taskId}`)) as TaskView;
    if (finalStatuses.includes(task.status)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function report(title: string, run: Awaited<ReturnType<typeof timedCollection>>): void {
  console.log(`\n${title}: ${run.task.status} (${run.task.progress.succeeded} succeeded, ${run.task.progress.failed} failed)`);
  console.log(`  POST → final status           ${run.seconds.toFixed(2)} s`);
  console.log(`  hosts per second              ${(run.task.progress.total / run.seconds).toFixed(0)}`);
  console.log(`  progress changes seen         ${run.distinct} (polling every ${args['poll-ms']} ms)`);
  console.log(`  largest progress gap          ${(run.largestGapMs / 1000).toFixed(2)} s`);
}


