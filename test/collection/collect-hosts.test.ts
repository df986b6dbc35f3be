/**
 * POST /api/hosts/batch/collect end to end: the collect-hosts state machine on
 * the local runner, a real sshd (Linux), vcsim (platform collection and ESXi
 * direct), and the ssh2 test double of a Windows OpenSSH server (no Windows
 * here). Facts are compared with ground truth read locally.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startSshd, type RunningSshd } from '#local/sshd.ts';
import { startVcsim, vcsimTool, type VcsimInstance } from '#local/vcsim.ts';
import { startWindowsSshDouble, type WindowsSshDouble } from '#local/windows-ssh-double.ts';
import { windowsInventoryCommand } from '#shared/collectors/windows/command.ts';
import { startTestStack, type TaskSnapshot, type TestStack } from '#test/support/local-stack.ts';

interface HostView {
  id: string;
  name: string;
  kind: string;
  source: string;
  status: string;
  moref?: string;
  cpuCount?: number;
  memoryMb?: number;
  powerState?: string;
  osName?: string;
  hostKey?: string;
  lastCollectedAt?: string;
  facts: Record<string, unknown>;
}
interface TaskItemView {
  hostId: string;
  status: string;
  errorCode?: string;
  message?: string;
}

let env: TestStack;
let sshd: RunningSshd;
let vcenter: VcsimInstance;
let esx: VcsimInstance;
let windows: WindowsSshDouble;

before(async () => {
  env = await startTestStack({ COLLECT_CONNECT_TIMEOUT_MS: '3000', COLLECT_HOST_TIMEOUT_MS: '20000' });
  [sshd, vcenter, esx] = await Promise.all([startSshd(), startVcsim({ hosts: 1, clusters: 0, vms: 4 }), startVcsim({ esx: true, vms: 2 })]);
  windows = await startWindowsSshDouble({
    username: 'Administrator',
    password: 'Windows-Double-1',
    expectedCommand: windowsInventoryCommand,
    stdout: readFileSync(new URL('../fixtures/windows/server-2022.json', import.meta.url), 'utf8'),
  });
});

after(async () => {
  await env?.stop();
  await Promise.all([sshd?.stop(), vcenter?.stop(), esx?.stop(), windows?.stop()]);
});

async function addHost(body: Record<string, unknown>): Promise<HostView> {
  const { status, body: host } = await env.api<HostView>('POST', '/hosts', body);
  assert.equal(status, 201, JSON.stringify(host));
  return host;
}

async function collect(hostIds: string[]): Promise<{ task: TaskSnapshot & { type: string }; items: TaskItemView[] }> {
  const { status, body } = await env.api<{ taskId: string }>('POST', '/hosts/batch/collect', { hostIds });
  assert.equal(status, 202, JSON.stringify(body));
  const snapshots = await env.waitForTask(body.taskId, { intervalMs: 50 });
  const percents = snapshots.map((snapshot) => snapshot.progress.percent);
  assert.deepEqual(percents, [...percents].sort((a, b) => a - b), 'percent never goes down');
  const { body: items } = await env.api<{ items: TaskItemView[] }>('GET', `/tasks/${body.taskId}/items?limit=1000`);
  return { task: snapshots.at(-1) as TaskSnapshot & { type: string }, items: items.items };
}

async function host(id: string): Promise<HostView> {
  return (await env.api<HostView>('GET', `/hosts/${id}`)).body;
}

describe('normal collection over SSH', () => {
  let linux: HostView;

  test('a Linux host is collected with facts matching this machine', async () => {
    const { body: profile } = await env.api<{ id: string }>('POST', '/credentials', {
      name: 'loopback-ssh',
      username: sshd.user.username,
      password: sshd.user.password,
    });
    linux = await addHost({ address: '127.0.0.1', port: sshd.port, kind: 'linux', credentialId: profile.id });
    const { task, items } = await collect([linux.id]);
    assert.equal(task.status, 'succeeded', JSON.stringify(items));
    assert.equal(task.type, 'host_collect');
    assert.deepEqual(items.map((item) => item.status), ['succeeded']);

    const collected = await host(linux.id);
    const memTotalKb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
    assert.equal(collected.memoryMb, Math.floor(memTotalKb / 1024));
    assert.equal(collected.cpuCount, Number(execFileSync('nproc').toString().trim()));
    assert.equal(collected.osName, /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1]);
    assert.equal((collected.facts as { kernel?: { release?: string } }).kernel?.release ?? collected.facts['kernel'], execFileSync('uname', ['-r']).toString().trim());
    assert.equal(collected.hostKey, sshd.hostKeyFingerprint, 'pinned on first contact');
    assert.ok(collected.lastCollectedAt);
  });

  test('wrong password and closed port fail per host; the task is partially successful', async () => {
    const wrong = await addHost({ address: 'localhost', port: sshd.port, kind: 'linux', credential: { username: sshd.user.username, password: 'wrong-password' } });
    const closed = await addHost({ address: '127.0.0.3', port: 9, kind: 'linux', credential: { username: 'nobody', password: 'x' } });
    const { task, items } = await collect([linux.id, wrong.id, closed.id]);
    assert.equal(task.status, 'partially_succeeded');
    assert.equal(task.progress.failed, 2);
    const codes = Object.fromEntries(items.map((item) => [item.hostId, item.errorCode ?? item.status]));
    assert.equal(codes[linux.id], 'succeeded');
    assert.equal(codes[wrong.id], 'AUTH_FAILED');
    assert.equal(codes[closed.id], 'UNREACHABLE');
    assert.ok(!JSON.stringify(items).includes('wrong-password'), 'no credential in any message');
    assert.equal((await host(wrong.id)).lastCollectedAt, undefined, 'a failed host keeps what it had');
  });

  test('a changed host key fails with HOST_KEY_CHANGED until reset, then the new key is pinned', async () => {
    const before = await host(linux.id);
    await sshd.regenerateHostKey();
    const refused = await collect([linux.id]);
    assert.equal(refused.task.status, 'failed');
    assert.equal(refused.items[0]?.errorCode, 'HOST_KEY_CHANGED');
    const unchanged = await host(linux.id);
    assert.equal(unchanged.hostKey, before.hostKey);
    assert.equal(unchanged.lastCollectedAt, before.lastCollectedAt, 'nothing changed');

    const { status } = await env.api('PATCH', `/hosts/${linux.id}`, { resetHostKey: true });
    assert.equal(status, 200);
    const accepted = await collect([linux.id]);
    assert.equal(accepted.task.status, 'succeeded');
    assert.equal((await host(linux.id)).hostKey, sshd.hostKeyFingerprint);
  });

  test('a Windows server is collected through PowerShell over SSH (ssh2 test double)', async () => {
    const server = await addHost({ address: '127.0.0.1', port: windows.port, kind: 'windows', credential: { username: 'Administrator', password: 'Windows-Double-1' } });
    const { task, items } = await collect([server.id]);
    assert.equal(task.status, 'succeeded', JSON.stringify(items));
    const collected = await host(server.id);
    assert.match(collected.osName ?? '', /Windows Server 2022/);
    assert.equal(collected.kind, 'windows');
    assert.equal(collected.hostKey, windows.hostKeyFingerprint);
  });

  test('an ESXi host is collected directly through its vSphere API, its certificate pinned', async () => {
    const port = Number(new URL(esx.url).port);
    const esxi = await addHost({ address: '127.0.0.1', port, kind: 'esxi', credential: { username: esx.username, password: esx.password } });
    const { task, items } = await collect([esxi.id]);
    assert.equal(task.status, 'succeeded', JSON.stringify(items));
    const collected = await host(esxi.id);
    assert.equal(collected.kind, 'esxi');
    assert.ok((collected.cpuCount ?? 0) > 0);
    assert.match(collected.hostKey ?? '', /^SHA256-TLS:/);
    assert.equal(collected.hostKey?.slice('SHA256-TLS:'.length).replaceAll(':', '').toUpperCase(), esx.thumbprintSha256.replaceAll(':', '').toUpperCase());
  });
});

describe('platform collection', () => {
  let platformId: string;
  let vms: HostView[];

  before(async () => {
    platformId = await env.registerPlatform(vcenter);
    const { body: started } = await env.api<{ taskId: string }>('POST', `/virtualization/${platformId}/sync`);
    assert.equal((await env.waitForTask(started.taskId)).at(-1)?.status, 'succeeded');
    vms = (await env.api<{ items: HostView[] }>('GET', `/hosts?platformId=${platformId}&kind=vm&limit=100`)).body.items;
  });

  test('a VM whose memory and power state changed in vCenter is refreshed', async () => {
    const vm = vms[0]!;
    await vcsimTool(['vm-memory', '-u', vcenter.toolUrl, '-k', '-vm', vm.moref!, '-mb', String((vm.memoryMb ?? 0) + 512)]);
    await vcsimTool(['vm-power', '-u', vcenter.toolUrl, '-k', '-vm', vm.moref!, '-state', 'off']);
    const { task } = await collect([vm.id]);
    assert.equal(task.status, 'succeeded');
    assert.equal(task.type, 'platform_collect');
    const refreshed = await host(vm.id);
    assert.equal(refreshed.memoryMb, (vm.memoryMb ?? 0) + 512);
    assert.equal(refreshed.powerState, 'poweredOff');
    assert.equal((refreshed as HostView & { esxiHostId?: string }).esxiHostId, (vm as HostView & { esxiHostId?: string }).esxiHostId, 'still points at its ESXi host record');
    assert.ok((vm as HostView & { esxiHostId?: string }).esxiHostId);
  });

  test('a VM re-registered under a new moref is found again by its instance UUID', async () => {
    const vm = vms[3]!;
    const output = await vcsimTool(['vm-reregister', '-u', vcenter.toolUrl, '-k', '-vm', vm.moref!]);
    const { moref } = JSON.parse(output.split('\n')[0]!) as { moref: string };
    assert.notEqual(moref, vm.moref);
    const { task, items } = await collect([vm.id]);
    assert.equal(task.status, 'succeeded', JSON.stringify(items));
    const refreshed = await host(vm.id);
    assert.equal(refreshed.moref, moref, 'same host record, new moref');
    assert.equal(refreshed.status, 'active');
  });

  test('a VM gone from vCenter fails with NOT_FOUND_ON_PLATFORM and is marked missing; a mixed selection is one task', async () => {
    const gone = vms[1]!;
    const kept = vms[2]!;
    await vcsimTool(['vm-destroy', '-u', vcenter.toolUrl, '-k', '-vm', gone.moref!]);
    const { body: linuxHosts } = await env.api<{ items: HostView[] }>('GET', '/hosts?kind=linux&limit=10');
    const linux = linuxHosts.items.find((candidate) => candidate.lastCollectedAt)!;
    const { task, items } = await collect([gone.id, kept.id, linux.id]);
    assert.equal(task.type, 'mixed_collect');
    assert.equal(task.status, 'partially_succeeded');
    assert.equal(items.find((item) => item.hostId === gone.id)?.errorCode, 'NOT_FOUND_ON_PLATFORM');
    assert.equal((await host(gone.id)).status, 'missing');
    assert.equal(items.find((item) => item.hostId === kept.id)?.status, 'succeeded');
  });
});

describe('bad collection requests', () => {
  async function taskCount(): Promise<number> {
    return (await env.api<{ items: unknown[] }>('GET', '/tasks?limit=1000')).body.items.length;
  }

  const cases: Array<{ name: string; body: unknown; status: number }> = [
    { name: 'empty list', body: { hostIds: [] }, status: 400 },
    { name: 'duplicates', body: { hostIds: ['a', 'a'] }, status: 400 },
    { name: 'not an array', body: { hostIds: 'a' }, status: 400 },
    { name: 'unknown field', body: { hostIds: ['a'], extra: 1 }, status: 400 },
    { name: 'more than 10,000 ids', body: { hostIds: Array.from({ length: 10_001 }, (_, i) => `h-${i}`) }, status: 413 },
    { name: 'unknown ids', body: { hostIds: ['no-such-host-1', 'no-such-host-2'] }, status: 404 },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.status}, problem+json, nothing started`, async () => {
      const before = await taskCount();
      const { status, headers, body } = await env.api<{ title: string; unknownHostIds?: string[] }>('POST', '/hosts/batch/collect', c.body);
      assert.equal(status, c.status, JSON.stringify(body));
      assert.match(headers.get('content-type') ?? '', /application\/problem\+json/);
      if (c.status === 404) assert.deepEqual(body.unknownHostIds, ['no-such-host-1', 'no-such-host-2']);
      assert.equal(await taskCount(), before);
    });
  }
});
