/**
 * `npm run bench:sync`: a platform sync of a large vcsim inventory through the
 * whole local stack, timed and measured the way a user would see it, then the
 * same sync again with nothing changed, then the old way (one vSphere call per
 * VM per property) over a sample of VMs for comparison.
 *
 *   npm run bench:sync                          # 12,000 VMs (-host 20 -cluster 4 -vm 500)
 *   npm run bench:sync -- --vms-per-host 4167   # 100,008 VMs
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalStack } from '#local/stack.ts';
import { apiClient, finalStatuses, registerVcsim, trackPeakMemory } from './support.ts';
import { startVcsim } from '#local/vcsim.ts';
import { discover, VsphereClient, vmPathSet } from '#shared/vsphere/index.ts';
import { countDynamoDbWrites } from './dynamodb-write-counter.ts';
import { measureBatchHeap } from './batch-heap.ts';

const { values: args } = parseArgs({
  options: {
    hosts: { type: 'string', default: '20' },
    clusters: { type: 'string', default: '4' },
    'vms-per-host': { type: 'string', default: '500' },
    'batch-size': { type: 'string', default: '250' },
    'max-concurrency': { type: 'string', default: '6' },
    'baseline-vms': { type: 'string', default: '500' },
    'poll-ms': { type: 'string', default: '250' },
  },
});

interface TaskView {
  status: string;
  error?: string;
  progress: { total: number; processed: number; percent: number };
  counts: Record<string, number>;
}

const memory = trackPeakMemory();

console.log(`starting vcsim: -host ${args.hosts} -cluster ${args.clusters} -vm ${args['vms-per-host']} …`);
const vcsim = await startVcsim({ hosts: Number(args.hosts), clusters: Number(args.clusters), vms: Number(args['vms-per-host']) });
const dataDir = await mkdtemp(join(tmpdir(), 'inventory-bench-'));
process.env['POWERTOOLS_LOG_LEVEL'] = 'ERROR';
const stack = await startLocalStack({ dataDir, port: 0, persist: false, scheduleEveryMs: false, env: { SYNC_BATCH_SIZE: args['batch-size'], SYNC_MAX_CONCURRENCY: args['max-concurrency'] } });
const writes = await countDynamoDbWrites();
const api = apiClient(stack);

try {
  const platform = { id: await registerVcsim(api, vcsim, 'bench') };

  const first = await timedSync(platform.id);
  report('first sync', first);
  const second = await timedSync(platform.id);
  report('second sync, nothing changed', second);
  console.log(`  second / first duration     ${(second.seconds / first.seconds * 100).toFixed(0)} %`);

  const heap = await measureBatchHeap(stack, { endpoint: vcsim.url, username: vcsim.username, password: vcsim.password, thumbprint: vcsim.thumbprintSha256 });
  console.log(`\none batch handler (${args['batch-size']} VMs, new hosts): heap peak +${mb(heap.peakGrowth)} MB, retained +${mb(heap.retained)} MB`);

  const baseline = await oneCallPerProperty(Number(args['baseline-vms']));
  const perVmNew = first.seconds / first.total;
  console.log(`\nbaseline, one call per VM per property (${baseline.vms} VMs × ${vmPathSet.length} properties = ${baseline.calls} calls): ${baseline.seconds.toFixed(2)} s`);
  console.log(`  per VM: baseline ${(baseline.seconds / baseline.vms * 1000).toFixed(2)} ms, sync ${(perVmNew * 1000).toFixed(3)} ms → sync is ${(baseline.seconds / baseline.vms / perVmNew).toFixed(0)}x faster`);

  const esxiBatches = Math.ceil(first.esxi / Number(args['batch-size']));
  const vmBatches = Math.ceil((first.total - first.esxi) / Number(args['batch-size']));
  const planPayload = JSON.stringify({ taskId: crypto.randomUUID(), platformId: platform.id, plan: { esxiBatches: [...Array(esxiBatches).keys()], vmBatches: [...Array(vmBatches).keys()] } });
  // Standard workflow history: 5 events per Task state, 4 per Map state, 7 per Map iteration, 2 for the execution.
  const historyEvents = 2 + 5 * 2 + 4 * 2 + 7 * (esxiBatches + vmBatches);
  console.log(`\nStep Functions: largest state payload ${(Buffer.byteLength(planPayload) / 1024).toFixed(1)} KB of 256 KB; history ≈ ${historyEvents} events of 25,000 (${esxiBatches + vmBatches} Map iterations)`);
  console.log(`\npeak memory: local stack Node process ${mb(memory.peakRss())} MB RSS; DynamoDB Local JVM ${await jvmPeakMb(stack.dynamoDbPid)} MB`);
} finally {
  memory.stop();
  await stack.whenIdle();
  await stack.stop();
  await vcsim.stop();
  await rm(dataDir, { recursive: true, force: true });
}

async function timedSync(platformId: string) {
  writes.reset();
  const started = performance.now();
  const { taskId } = (await api('POST', `/virtualization/${platformId}/sync`)) as { taskId: string };
  const changes: number[] = [started];
  const values = new Set<number>();
  let last = -1;
  let task: TaskView;
  for (;;) {
    task = (await api('GET', `/tasks/${taskId}`)) as TaskView;
    const now = performance.now();
    values.add(task.progress.percent);
    if (task.progress.percent !== last) {
      changes.push(now);
      last = task.progress.percent;
    }
    if (finalStatuses.includes(task.status)) break;
    await new Promise((resolve) => setTimeout(resolve, Number(args['poll-ms'])));
  }
  const seconds = (performance.now() - started) / 1000;
  const gaps = changes.slice(1).map((at, i) => at - changes[i]!);
  const counted = writes.snapshot();
  return {
    task,
    seconds,
    total: task.progress.total,
    esxi: task.progress.total - Number(args['vms-per-host']) * (Number(args.hosts) + Number(args.clusters)),
    distinct: values.size,
    largestGapMs: Math.max(...gaps),
    hostWrites: counted.hostItems,
    writeRequests: counted.requests,
  };
}

function report(title: string, run: Awaited<ReturnType<typeof timedSync>>): void {
  const vms = run.total - run.esxi;
  console.log(`\n${title}: ${run.task.status}${run.task.error ? ` (${run.task.error})` : ''}`);
  console.log(`  objects                     ${run.total} (${vms} VMs, ${run.esxi} ESXi hosts)`);
  console.log(`  POST → final status         ${run.seconds.toFixed(2)} s`);
  console.log(`  VMs per second              ${(vms / run.seconds).toFixed(0)}`);
  console.log(`  distinct progress values    ${run.distinct} (polling every ${args['poll-ms']} ms)`);
  console.log(`  largest progress gap        ${(run.largestGapMs / 1000).toFixed(2)} s`);
  console.log(`  host rows written           ${run.hostWrites} (${(run.hostWrites / run.total).toFixed(2)} per object)`);
  console.log(`  DynamoDB write requests     ${run.writeRequests} (${(run.writeRequests / run.total).toFixed(3)} per object)`);
  console.log(`  counts                      ${JSON.stringify(run.task.counts)}`);
}

async function oneCallPerProperty(sampleSize: number) {
  const client = new VsphereClient({ endpoint: vcsim.url, username: vcsim.username, password: vcsim.password, tls: { mode: 'thumbprint', thumbprint: vcsim.thumbprintSha256 } });
  await client.connect();
  const morefs: string[] = [];
  for await (const page of discover(client, 'vm')) {
    morefs.push(...page.map((object) => object.moref));
    if (morefs.length >= sampleSize) break;
  }
  const sample = morefs.slice(0, sampleSize);
  const started = performance.now();
  let calls = 0;
  for (const moref of sample) {
    for (const path of vmPathSet) {
      await client.retrievePropertyOneByOne(moref, path);
      calls++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  return { vms: sample.length, calls, seconds };
}



async function jvmPeakMb(pid: number): Promise<string> {
  // The JVM runs under a small sh guard: read the java child's high-water mark.
  try {
    const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
    const target = children[0] ?? String(pid);
    const status = await readFile(`/proc/${target}/status`, 'utf8');
    const kb = Number(status.match(/VmHWM:\s+(\d+)/)?.[1] ?? 0);
    return (kb / 1024).toFixed(0);
  } catch {
    return 'n/a';
  }
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
