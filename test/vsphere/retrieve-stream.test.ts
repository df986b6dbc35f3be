// The streaming property collector path (retrieve-stream.ts) against node-soap's
// deserializer, the reference: same ObjectContent, same tokens, same faults.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startVcsim, vcsimTool, type VcsimInstance } from '#local/vcsim.ts';
import { esxiPathSet, vmPathSet, type VsphereClient, type VsphereError } from '#shared/vsphere/index.ts';
import { moRef } from '#shared/vsphere/vim-types.ts';
import { clientFor, collectPages, groundTruth, vsphereError } from './helpers.ts';



describe('streaming property collector path equals the node-soap path (vcsim, server pages by 4)', () => {
  let sim: VcsimInstance;
  let stream: VsphereClient;
  let soap: VsphereClient;
  let vms: string[];
  let hosts: string[];

  before(async () => {
    sim = await startVcsim({ clusters: 1, hosts: 2, vms: 5, defaultPageSize: 4 });
    const truth = await groundTruth(sim);
    vms = truth.vms.map((v) => v.moref);
    hosts = truth.hosts.map((h) => h.moref);
    // a destroyed VM: vcsim leaves it out of the answer, both paths must report it missing
    await vcsimTool(['vm-destroy', '-u', sim.toolUrl, '-k', '-vm', vms.at(-1)!]);
    stream = clientFor(sim);
    soap = clientFor(sim, { propertyCollectorParser: 'soap' });
  });
  after(async () => {
    await stream?.close();
    await soap?.close();
    await sim?.stop();
  });

  it('VMs with the full vmPathSet, over several ContinueRetrievePropertiesEx pages, with a missing one', async () => {
    const asked = [...vms, 'vm-does-not-exist'];
    const fast = await stream.retrieveObjects('VirtualMachine', asked, vmPathSet);
    const reference = await soap.retrieveObjects('VirtualMachine', asked, vmPathSet);
    assert.equal(fast.objects.length, vms.length - 1);
    assert.deepEqual(fast.missing, [vms.at(-1), 'vm-does-not-exist']);
    assert.deepEqual(fast, reference);
    // the answer really carried nested data objects, arrays and typed numbers
    const first = fast.objects[0]!;
    assert.ok(Array.isArray(first.properties['config.hardware.device']));
    assert.equal(typeof first.properties['config.hardware.numCPU'], 'number');
  });

  it('hosts with the full esxiPathSet', async () => {
    const fast = await stream.retrieveObjects('HostSystem', hosts, esxiPathSet);
    const reference = await soap.retrieveObjects('HostSystem', hosts, esxiPathSet);
    assert.equal(fast.objects.length, hosts.length);
    assert.deepEqual(fast, reference);
  });

  it('container listings page by page: same pages, same objects, same order', async () => {
    const fast = await collectPages(stream.listContainerObjects('VirtualMachine', vmPathSet, 3));
    const reference = await collectPages(soap.listContainerObjects('VirtualMachine', vmPathSet, 3));
    assert.ok(fast.length >= 4, `expected several pages, got ${fast.length}`);
    assert.deepEqual(fast, reference);
  });

  it('raw pages: same token presence and same objects for one RetrievePropertiesEx', async () => {
    const sc = await stream.serviceContent();
    const args = {
      _this: moRef('PropertyCollector', sc.propertyCollector),
      specSet: [{ propSet: [{ type: 'HostSystem', pathSet: esxiPathSet }], objectSet: hosts.map((h) => ({ obj: moRef('HostSystem', h) })) }],
      options: { maxObjects: 2 },
    };
    const fast = await stream.retrieve('RetrievePropertiesEx', args);
    const reference = await soap.retrieve('RetrievePropertiesEx', args);
    assert.ok(fast.token && reference.token);
    assert.deepEqual(fast.objects, reference.objects);
    // tokens belong to each session: follow each one in its own session
    const nextFast = await stream.retrieve('ContinueRetrievePropertiesEx', { _this: moRef('PropertyCollector', sc.propertyCollector), token: fast.token });
    const nextReference = await soap.retrieve('ContinueRetrievePropertiesEx', { _this: moRef('PropertyCollector', sc.propertyCollector), token: reference.token });
    assert.deepEqual(nextFast.objects, nextReference.objects);
  });
});

type Tamper = 'none' | 'truncate' | 'garbage' | 'http503' | 'hangup' | 'notAuthenticatedOnce' | 'invalidProperty';

/** A fault as vCenter sends it: HTTP 500, xsi:type on the detail element. */
function vcenterFault(type: string, message: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" ' +
    'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" ' +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n<soapenv:Body>\n<soapenv:Fault><faultcode>ServerFaultCode</faultcode>' +
    `<faultstring>${message}</faultstring><detail><${type}Fault xmlns="urn:vim25" xsi:type="${type}">` +
    '<object type="SessionManager">SessionManager</object><privilegeId>System.View</privilegeId>' +
    `</${type}Fault></detail></soapenv:Fault>\n</soapenv:Body>\n</soapenv:Envelope>`
  );
}

/** Plain-HTTP proxy to a TLS-less vcsim that can spoil RetrievePropertiesEx answers. */
async function tamperingProxy(target: string): Promise<{ url: string; mode: { value: Tamper }; retrieveCalls: () => number; close: () => Promise<void> }> {
  const mode = { value: 'none' as Tamper };
  let calls = 0;
  const upstream = new URL(target);
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isRetrieve = body.includes('RetrievePropertiesEx>');
      if (isRetrieve) calls++;
      const spoil = isRetrieve ? mode.value : 'none';
      if (spoil === 'hangup') return req.socket.destroy();
      if (spoil === 'notAuthenticatedOnce') {
        mode.value = 'none';
        return void res.writeHead(500, { 'Content-Type': 'text/xml; charset=utf-8' }).end(vcenterFault('NotAuthenticated', 'The session is not authenticated.'));
      }
      if (spoil === 'invalidProperty') {
        return void res.writeHead(500, { 'Content-Type': 'text/xml; charset=utf-8' }).end(vcenterFault('InvalidProperty', 'config.bogus &lt;x&gt;'));
      }
      if (spoil === 'garbage') return void res.writeHead(200, { 'Content-Type': 'text/xml' }).end('<?xml version="1.0"?><soapenv:Envelope><Body>&bogus;</Body>');
      if (spoil === 'http503') return void res.writeHead(503, { 'Content-Type': 'text/html' }).end('<html><body>Service Unavailable<br></body></html>');
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, path: upstream.pathname, method: 'POST', headers: { ...req.headers, host: upstream.host } },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            let out = Buffer.concat(parts);
            if (spoil === 'truncate') out = out.subarray(0, Math.floor(out.length / 2));
            const headers = { ...answer.headers, 'content-length': String(out.length) };
            delete headers['transfer-encoding'];
            res.writeHead(answer.statusCode ?? 500, headers).end(out);
          });
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sdk`,
    mode,
    retrieveCalls: () => calls,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('unreadable property collector answers become clear VsphereErrors', () => {
  let sim: VcsimInstance;
  let proxy: Awaited<ReturnType<typeof tamperingProxy>>;
  let client: VsphereClient;
  let vm: string;

  before(async () => {
    sim = await startVcsim({ clusters: 0, hosts: 1, vms: 2, tls: false });
    vm = (await groundTruth(sim)).vms[0]!.moref;
    proxy = await tamperingProxy(sim.url);
    client = clientFor(sim, { endpoint: proxy.url, tls: { mode: 'insecure' }, transportRetries: 2 });
  });
  after(async () => {
    await client?.close();
    await proxy?.close();
    await sim?.stop();
  });

  async function spoiled(tamper: Tamper): Promise<{ error: VsphereError; calls: number }> {
    proxy.mode.value = 'none';
    await client.connect();
    const before = proxy.retrieveCalls();
    proxy.mode.value = tamper;
    try {
      const error = await vsphereError(client.retrieveObjects('VirtualMachine', [vm], vmPathSet));
      return { error, calls: proxy.retrieveCalls() - before };
    } finally {
      proxy.mode.value = 'none';
    }
  }

  it('the untampered proxy works (sanity)', async () => {
    const { objects } = await client.retrieveObjects('VirtualMachine', [vm], vmPathSet);
    assert.equal(objects.length, 1);
  });

  it('a truncated answer: VSPHERE_FAULT naming the operation, not retried, no cookie in the message', async () => {
    const { error, calls } = await spoiled('truncate');
    assert.equal(error.code, 'VSPHERE_FAULT');
    assert.match(error.message, /sent an unreadable RetrievePropertiesEx answer: malformed XML/);
    assert.doesNotMatch(error.message, /vmware_soap_session|password/i);
    assert.equal(calls, 1);
  });

  it('malformed XML: VSPHERE_FAULT', async () => {
    const { error } = await spoiled('garbage');
    assert.equal(error.code, 'VSPHERE_FAULT');
    assert.match(error.message, /unreadable RetrievePropertiesEx answer/);
  });

  it('an HTML error page is reported by its HTTP status', async () => {
    const { error } = await spoiled('http503');
    assert.equal(error.code, 'VSPHERE_FAULT');
    assert.match(error.message, /failed RetrievePropertiesEx: HTTP 503/);
  });

  it('a connection dropped before the answer is UNREACHABLE after the bounded retries', async () => {
    const { error, calls } = await spoiled('hangup');
    assert.equal(error.code, 'UNREACHABLE');
    assert.equal(calls, 3);
  });

  it('a vCenter NotAuthenticated fault: the same error on both paths, and retrieveObjects logs in again and replays', async () => {
    for (const parser of ['stream', 'soap'] as const) {
      const fresh = clientFor(sim, { endpoint: proxy.url, tls: { mode: 'insecure' }, propertyCollectorParser: parser });
      await fresh.connect();
      proxy.mode.value = 'notAuthenticatedOnce';
      const { objects } = await fresh.retrieveObjects('VirtualMachine', [vm], vmPathSet);
      assert.equal(objects.length, 1, parser);
      assert.equal(fresh.loginAttempts, 2, parser);
      await fresh.close();
    }
  });

  it('other vSphere faults: VSPHERE_FAULT with the fault type and text, identical to the soap path', async () => {
    const reference = clientFor(sim, { endpoint: proxy.url, tls: { mode: 'insecure' }, propertyCollectorParser: 'soap' });
    await reference.connect();
    const { error, calls } = await spoiled('invalidProperty');
    proxy.mode.value = 'invalidProperty';
    const expected = await vsphereError(reference.retrieveObjects('VirtualMachine', [vm], vmPathSet));
    proxy.mode.value = 'none';
    await reference.close();
    assert.equal(calls, 1);
    assert.equal(error.code, 'VSPHERE_FAULT');
    assert.equal(error.faultType, 'InvalidProperty');
    assert.match(error.message, /answered RetrievePropertiesEx with fault InvalidProperty: config\.bogus <x>/);
    assert.deepEqual([error.code, error.faultType, error.message], [expected.code, expected.faultType, expected.message]);
  });

  it('the client still works afterwards', async () => {
    const { objects } = await client.retrieveObjects('VirtualMachine', [vm], ['name']);
    assert.equal(objects.length, 1);
  });
});
