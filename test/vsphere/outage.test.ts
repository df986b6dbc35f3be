import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startVcsim } from '#local/vcsim.ts';
import { VsphereError } from '#shared/vsphere/index.ts';
import { clientFor } from './helpers.ts';

it('vcsim killed in the middle of a paged listing: UNREACHABLE or TIMEOUT within seconds', async () => {
  const sim = await startVcsim({ clusters: 1, hosts: 1, vms: 4 });
  const client = clientFor(sim, { connectTimeoutMs: 2_000, requestTimeoutMs: 5_000 });
  const pages = client.listContainerObjects('VirtualMachine', ['name'], 2);
  const first = await pages.next();
  assert.equal(first.done, false);
  sim.kill();
  const started = Date.now();
  let caught: unknown;
  try {
    for (;;) {
      const next = await pages.next();
      if (next.done) break;
    }
  } catch (error) {
    caught = error;
  }
  const elapsed = Date.now() - started;
  assert.ok(caught instanceof VsphereError, `expected VsphereError, got ${String(caught)}`);
  assert.ok(['UNREACHABLE', 'TIMEOUT'].includes(caught.code), caught.code);
  assert.ok(elapsed < 5_000, `took ${elapsed} ms`);
  await client.close();
});
