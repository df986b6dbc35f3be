import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startVcsim, vcsimTool, type VcsimInstance } from '#local/vcsim.ts';
import {
  closeVsphereSessions,
  getVsphereSession,
  listRecords,
  retrieveRecords,
  vmPathSet,
  type InventoryRecord,
} from '#shared/vsphere/index.ts';
import { clientFor, collectPages, groundTruth, settingsFor, vsphereError } from './helpers.ts';



async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('vSphere client against vcsim (1 cluster of 3 hosts, 2 standalone hosts, 3 VMs each)', () => {
  let sim: VcsimInstance;

  before(async () => {
    sim = await startVcsim({ clusters: 1, hosts: 2, vms: 3 });
  });
  after(async () => {
    await closeVsphereSessions();
    await sim?.stop();
  });

  it('VM records match the govmomi ground truth field by field', async () => {
    const truth = await groundTruth(sim);
    const client = clientFor(sim);
    const records = (await collectPages(listRecords(client, 'vm', 1000))).flat();
    assert.equal(truth.vms.length, 9);
    assert.equal(records.length, truth.vms.length);
    const byMoref = new Map(records.map((r) => [r.moref, r]));
    for (const vm of truth.vms) {
      const r = byMoref.get(vm.moref);
      assert.ok(r, `record for ${vm.moref}`);
      assert.equal(r.kind, 'vm');
      assert.equal(r.name, vm.name);
      assert.equal(r.instanceUuid, vm.instanceUuid);
      assert.equal(r.facts.biosUuid, vm.biosUuid);
      assert.equal(r.powerState, vm.powerState);
      assert.equal(r.cpuCount, vm.numCPU);
      assert.equal(r.memoryMb, vm.memoryMB);
      assert.equal(r.osName, vm.guestFullName);
      assert.equal(r.hostMoref, vm.hostMoref);
      assert.equal(r.facts.datacenter, 'DC0');
      assert.equal(r.facts.cluster, vm.name.startsWith('DC0_C0') ? 'DC0_C0' : undefined);
      assert.deepEqual(r.facts.disks, [{ label: 'disk-202-0', capacityBytes: 1024 * 1024 }]);
      const nics = r.facts.nics as { macAddress?: string }[];
      assert.equal(nics.length, 1);
      assert.match(nics[0]?.macAddress ?? '', /^00:0c:29(:[0-9a-f]{2}){3}$/);
    }
    await client.close();
  });

  it('ESXi host records match the ground truth, memory beyond 2^31 kept exact', async () => {
    const truth = await groundTruth(sim);
    const client = clientFor(sim);
    const records = (await collectPages(listRecords(client, 'esxi'))).flat();
    assert.equal(records.length, 5);
    const byMoref = new Map(records.map((r) => [r.moref, r]));
    for (const host of truth.hosts) {
      const r = byMoref.get(host.moref);
      assert.ok(r, `record for ${host.moref}`);
      assert.equal(r.name, host.name);
      assert.equal(r.instanceUuid, host.hardwareUuid);
      assert.equal(r.facts.hardwareUuid, host.hardwareUuid);
      assert.equal(r.facts.cpuThreads, host.numCpuThreads);
      assert.equal(r.facts.memoryBytes, host.memorySize);
      assert.ok(host.memorySize > 2 ** 31);
      assert.equal(r.osName, host.productFullName);
      assert.equal(r.facts.datacenter, 'DC0');
      assert.equal(r.facts.cluster, host.name.startsWith('DC0_C0') ? 'DC0_C0' : undefined);
    }
    await client.close();
  });

  it('follows every continuation token: page size 4 over 9 VMs, all seen once', async () => {
    const client = clientFor(sim);
    const pages = await collectPages(client.listContainerObjects('VirtualMachine', ['name'], 4));
    assert.deepEqual(
      pages.map((p) => p.length),
      [4, 4, 1],
    );
    const morefs = pages.flat().map((o) => o.moref);
    assert.equal(new Set(morefs).size, 9);
    await client.close();
  });

  it('follows tokens also when the server pages on its own (no maxObjects honoured above 2)', async () => {
    const paged = await startVcsim({ clusters: 1, hosts: 1, vms: 5, defaultPageSize: 2 });
    try {
      const client = clientFor(paged);
      const { objects, missing } = await client.retrieveObjects(
        'VirtualMachine',
        (await groundTruth(paged)).vms.map((v) => v.moref),
        ['name'],
      );
      assert.equal(objects.length, 10);
      assert.deepEqual(missing, []);
      await client.close();
    } finally {
      await paged.stop();
    }
  });

  it('retrieveObjects reads exactly the named VMs and reports a destroyed one as missing', async () => {
    const truth = await groundTruth(sim);
    const [keep, gone] = truth.vms.slice(-2);
    assert.ok(keep && gone);
    await vcsimTool(['vm-destroy', '-u', sim.toolUrl, '-k', '-vm', gone.moref]);
    await vcsimTool(['vm-memory', '-u', sim.toolUrl, '-k', '-vm', keep.moref, '-mb', '4096']);
    const client = clientFor(sim);
    const { records, missing } = await retrieveRecords(client, 'vm', [keep.moref, gone.moref]);
    assert.deepEqual(missing, [gone.moref]);
    assert.deepEqual(
      records.map((r: InventoryRecord) => [r.moref, r.memoryMb]),
      [[keep.moref, 4096]],
    );
    await client.close();
  });

  it('wrong password: AUTH_FAILED, and exactly one Login however often it is asked', async () => {
    const client = clientFor(sim, { password: 'not-the-password' });
    const first = await vsphereError(client.listContainerObjects('VirtualMachine', ['name']).next());
    assert.equal(first.code, 'AUTH_FAILED');
    assert.match(first.message, /rejected the user name or password/);
    assert.doesNotMatch(first.message, /not-the-password/);
    const second = await vsphereError(client.connect());
    assert.equal(second.code, 'AUTH_FAILED');
    assert.equal(client.loginAttempts, 1);
  });

  it('thumbprint pinning: the right one connects, a wrong one fails before any login', async () => {
    const ok = clientFor(sim);
    await ok.connect();
    await ok.close();
    const other = '00'.repeat(32);
    const client = clientFor(sim, { tls: { mode: 'thumbprint', thumbprint: other } });
    const error = await vsphereError(client.connect());
    assert.equal(error.code, 'TLS_THUMBPRINT_MISMATCH');
    assert.match(error.message, /does not match the pinned 00:00/);
    assert.equal(client.loginAttempts, 0);
  });

  it('thumbprints are accepted without colons and in lower case', async () => {
    const client = clientFor(sim, {
      tls: { mode: 'thumbprint', thumbprint: sim.thumbprintSha256.replaceAll(':', '').toLowerCase() },
    });
    await client.connect();
    await client.close();
  });

  it('verify mode rejects the self-signed vcsim certificate as TLS_UNTRUSTED', async () => {
    const client = clientFor(sim, { tls: { mode: 'verify' } });
    const error = await vsphereError(client.connect());
    assert.equal(error.code, 'TLS_UNTRUSTED');
  });

  it('a closed port is UNREACHABLE', async () => {
    const port = await closedPort();
    const client = clientFor(sim, { endpoint: `https://127.0.0.1:${port}/sdk`, transportRetries: 1 });
    const error = await vsphereError(client.connect());
    assert.equal(error.code, 'UNREACHABLE');
    assert.match(error.message, /ECONNREFUSED/);
  });

  it('an expired session is renewed transparently, once', async () => {
    const client = clientFor(sim);
    await client.connect();
    assert.equal(client.loginAttempts, 1);
    const key = client.sessionKey;
    assert.ok(key);
    await vcsimTool(['session-terminate', '-u', sim.toolUrl, '-k', '-key', key]);
    const pages = await collectPages(client.listContainerObjects('HostSystem', ['name']));
    assert.equal(pages.flat().length, 5);
    const { objects } = await client.retrieveObjects('HostSystem', [pages[0]![0]!.moref], ['name']);
    assert.equal(objects.length, 1);
    assert.equal(client.loginAttempts, 2);
    assert.notEqual(client.sessionKey, key);
    await client.close();
  });

  it('retrieveObjects replays once after an expired session (vcsim reports it per property)', async () => {
    const client = clientFor(sim);
    await client.connect();
    await vcsimTool(['session-terminate', '-u', sim.toolUrl, '-k', '-key', client.sessionKey!]);
    const truth = await groundTruth(sim);
    const { objects } = await client.retrieveObjects('VirtualMachine', [truth.vms[0]!.moref], vmPathSet);
    assert.equal(objects[0]?.properties.name, truth.vms[0]!.name);
    assert.equal(client.loginAttempts, 2);
    await client.close();
  });

  it('getVsphereSession reuses one session per key and replaces it when settings change', async () => {
    const a = await getVsphereSession('platform-1', settingsFor(sim));
    const b = await getVsphereSession('platform-1', settingsFor(sim));
    assert.equal(a, b);
    assert.equal(a.loginAttempts, 1);
    const c = await getVsphereSession('platform-1', settingsFor(sim, { requestTimeoutMs: 30_000 }));
    assert.notEqual(c, a);
  });

  it('retrievePropertyOneByOne reads one property of one object', async () => {
    const truth = await groundTruth(sim);
    const client = clientFor(sim);
    const vm = truth.vms[0]!;
    assert.equal(await client.retrievePropertyOneByOne(vm.moref, 'config.hardware.numCPU'), vm.numCPU);
    await client.close();
  });
});

describe('vSphere client against a standalone ESXi (vcsim -esx)', () => {
  it('lists the one host and its VMs, without cluster', async () => {
    const sim = await startVcsim({ esx: true, vms: 2 });
    try {
      const client = clientFor(sim);
      const hosts = (await collectPages(listRecords(client, 'esxi'))).flat();
      const vms = (await collectPages(listRecords(client, 'vm'))).flat();
      assert.equal(hosts.length, 1);
      assert.equal(vms.length, 2);
      assert.equal(hosts[0]?.facts.cluster, undefined);
      assert.ok(vms.every((v) => v.hostMoref === hosts[0]?.moref));
      await client.close();
    } finally {
      await sim.stop();
    }
  });
});
