import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { CollectionResult, RemoteTarget } from '#shared/collectors/collector.ts';
import type { HostFacts } from '#shared/domain/host.ts';
import { collectWindows, outputExcerpt } from '#shared/collectors/windows/collect-windows.ts';
import { windowsInventoryCommand, windowsInventoryScript, windowsClassQueries } from '#shared/collectors/windows/command.ts';
import { asList, normalizeCimDate, parseWindowsInventory, readWindowsJson } from '#shared/collectors/windows/parse.ts';
import { clixmlFailureStderr, generateEd25519OpenSsh, startWindowsSshDouble } from '#local/windows-ssh-double.ts';
import type { WindowsSshDouble } from '#local/windows-ssh-double.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/windows/${name}.json`, import.meta.url), 'utf8');
const server2019 = fixture('server-2019');
const server2022 = fixture('server-2022');
const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

const expected2019: HostFacts = {
  kind: 'windows',
  name: 'srv-db01',
  osName: 'Microsoft Windows Server 2019 Standard',
  cpuCount: 64,
  memoryMb: 261803,
  ipAddresses: ['10.20.30.41', '192.168.50.41'],
  facts: {
    os: {
      caption: 'Microsoft Windows Server 2019 Standard',
      version: '10.0.17763',
      buildNumber: '17763',
      installDate: '2019-11-05T10:21:52.000Z',
      lastBootUpTime: '2024-06-02T03:14:07.500Z',
      architecture: '64-bit',
    },
    computerSystem: {
      manufacturer: 'Dell Inc.',
      model: 'PowerEdge R640',
      domain: 'corp.example.com',
      partOfDomain: true,
      totalPhysicalMemory: 274520551424,
    },
    processors: [
      { name: 'Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz', cores: 16, logical: 32 },
      { name: 'Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz', cores: 16, logical: 32 },
    ],
    logicalDisks: [
      { deviceId: 'C:', fileSystem: 'NTFS', sizeBytes: 239443718144, freeBytes: 141287960576 },
      { deviceId: 'D:', fileSystem: 'NTFS', sizeBytes: 1919850381312, freeBytes: 688224067584 },
    ],
    networkAdapters: [
      {
        description: 'Intel(R) Ethernet 10G 4P X710-k bNDC',
        mac: '24:6e:96:a1:3c:f0',
        ipv4: ['10.20.30.41'],
        ipv6: ['fe80::8d4c:1f2e:9b3a:77c1'],
        gateways: ['10.20.30.1'],
        dhcpEnabled: false,
      },
      {
        description: 'Intel(R) Ethernet 10G 4P X710-k bNDC #2',
        mac: '24:6e:96:a1:3c:f2',
        ipv4: ['192.168.50.41'],
        ipv6: ['fe80::4a1:7c2d:e0b9:1f3a'],
        gateways: [],
        dhcpEnabled: false,
      },
    ],
    bios: { manufacturer: 'Dell Inc.', serialNumber: '8XK4Q53', version: '2.19.1' },
    uptimeSeconds: 1318593,
  },
};

const expected2022: HostFacts = {
  kind: 'windows',
  name: 'web-app02',
  osName: 'Microsoft Windows Server 2022 Datacenter',
  cpuCount: 4,
  memoryMb: 8191,
  ipAddresses: ['172.16.8.25', '2001:db8:8::25'],
  facts: {
    os: {
      caption: 'Microsoft Windows Server 2022 Datacenter',
      version: '10.0.20348',
      buildNumber: '20348',
      installDate: '2023-03-14T15:42:18.000Z',
      lastBootUpTime: '2024-06-16T22:05:31.250Z',
      architecture: '64-bit',
    },
    computerSystem: {
      manufacturer: 'VMware, Inc.',
      model: 'VMware7,1',
      domain: 'WORKGROUP',
      partOfDomain: false,
      totalPhysicalMemory: 8589398016,
    },
    processors: [{ name: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz', cores: 4, logical: 4 }],
    logicalDisks: [{ deviceId: 'C:', fileSystem: 'NTFS', sizeBytes: 106763366400, freeBytes: 71584808960 }],
    networkAdapters: [
      {
        description: 'vmxnet3 Ethernet Adapter',
        mac: '00:50:56:9a:4e:21',
        ipv4: ['172.16.8.25'],
        ipv6: ['fe80::b1d2:5c3e:8f40:2a67', '2001:db8:8::25'],
        gateways: ['172.16.8.1', 'fe80::1'],
        dhcpEnabled: true,
      },
    ],
    bios: {
      manufacturer: 'VMware, Inc.',
      serialNumber: 'VMware-42 1a 7c 3e 5b 9d 0f 21-6e 84 c2 a7 19 3b 5d f0',
      version: 'VMW71.00V.21100432.B64.2301110304',
    },
    uptimeSeconds: 41131,
  },
};

// ---------------------------------------------------------------------------

describe('the PowerShell command', () => {
  it('is one powershell.exe call whose -EncodedCommand decodes (UTF-16LE) to the script', () => {
    const match = /^powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -InputFormat None -EncodedCommand ([A-Za-z0-9+/=]+)$/.exec(
      windowsInventoryCommand,
    );
    assert.ok(match, windowsInventoryCommand.slice(0, 120));
    assert.equal(Buffer.from(match[1] ?? '', 'base64').toString('utf16le'), windowsInventoryScript);
  });

  it('fits cmd.exe, the default shell of Windows OpenSSH (8,191 characters)', () => {
    assert.ok(windowsInventoryCommand.length < 8191, `${windowsInventoryCommand.length} characters`);
  });

  it('reads the six classes, each in its own try/catch with -ErrorAction Stop, into one JSON document', () => {
    const classes = windowsClassQueries.map((q) => q.className);
    assert.deepEqual(classes, [
      'Win32_OperatingSystem',
      'Win32_ComputerSystem',
      'Win32_Processor',
      'Win32_LogicalDisk',
      'Win32_NetworkAdapterConfiguration',
      'Win32_BIOS',
    ]);
    for (const query of windowsClassQueries) {
      const line = windowsInventoryScript.split('\n').find((l) => l.includes(`-ClassName ${query.className} `));
      assert.ok(line, query.className);
      assert.match(line, /^try\{.*-ErrorAction Stop\|Select-Object -Property .*\}catch\{.*\$e\.\w+=\$_\.Exception\.Message\}$/);
    }
    assert.match(windowsInventoryScript, /-Filter 'IPEnabled = TRUE'/);
    assert.match(windowsInventoryScript, /ConvertTo-Json -InputObject \$r -Depth 4 -Compress/);
    assert.equal(windowsInventoryScript.match(/ConvertTo-Json/g)?.length, 1);
  });
});

// ---------------------------------------------------------------------------

describe('parsing recorded Get-CimInstance output', () => {
  it('Windows Server 2019 (physical, arrays of processors, disks and adapters)', () => {
    assert.deepEqual(parseWindowsInventory(json(server2019)), expected2019);
  });

  it('Windows Server 2022 (VM, single processor, disk and adapter serialised as objects)', () => {
    const raw = json(server2022);
    assert.ok(!Array.isArray(raw['processors']) && !Array.isArray(raw['logicalDisks']) && !Array.isArray(raw['networkAdapters']));
    assert.deepEqual(parseWindowsInventory(raw), expected2022);
  });

  it('a single object and a one-element array give the same facts', () => {
    const raw = json(server2019);
    const singles = { ...raw };
    const arrays = { ...raw };
    for (const key of ['processors', 'logicalDisks', 'networkAdapters'] as const) {
      const first = (raw[key] as unknown[])[0];
      singles[key] = first;
      arrays[key] = [first];
    }
    // IPAddress may arrive as a bare string too
    (singles['networkAdapters'] as Record<string, unknown>)['IPAddress'] = '10.20.30.41';
    const fromSingles = parseWindowsInventory(singles);
    const fromArrays = parseWindowsInventory(arrays);
    assert.deepEqual(fromSingles.facts['processors'], [{ name: 'Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz', cores: 16, logical: 32 }]);
    assert.equal(fromSingles.cpuCount, 32);
    assert.deepEqual(fromSingles.ipAddresses, ['10.20.30.41']);
    assert.deepEqual(fromArrays.facts['processors'], fromSingles.facts['processors']);
    assert.deepEqual(fromArrays.facts['logicalDisks'], fromSingles.facts['logicalDisks']);
  });

  it("unwraps Windows PowerShell 5.1's {value, Count} array envelope", () => {
    assert.deepEqual(asList({ value: [1, 2], Count: 2 }), [1, 2]);
    assert.deepEqual(asList({ value: 'x' }), [{ value: 'x' }]);
    assert.deepEqual(asList(null), []);
    const raw = json(server2019);
    raw['processors'] = { value: raw['processors'], Count: 2 };
    assert.equal(parseWindowsInventory(raw).cpuCount, 64);
  });

  it('a class that failed is a missing fact, and its error is kept', () => {
    const raw = json(server2022);
    raw['bios'] = null;
    raw['processors'] = null;
    raw['errors'] = { bios: 'Access denied ', processors: 'Invalid class "Win32_Processor"' };
    const facts = parseWindowsInventory(raw);
    assert.equal(facts.facts['bios'], undefined);
    assert.equal(facts.facts['processors'], undefined);
    assert.deepEqual(facts.facts['unavailable'], { bios: 'Access denied', processors: 'Invalid class "Win32_Processor"' });
    // cpuCount falls back to Win32_ComputerSystem, the rest is intact
    assert.equal(facts.cpuCount, 4);
    assert.deepEqual(facts.facts['os'], expected2022.facts['os']);
    assert.deepEqual(facts.ipAddresses, expected2022.ipAddresses);
  });

  it('falls back for name and memory when Win32_ComputerSystem is missing', () => {
    const raw = json(server2022);
    raw['computerSystem'] = null;
    const facts = parseWindowsInventory(raw, { fallbackName: '10.0.0.9' });
    assert.equal(facts.name, 'WEB-APP02');
    assert.equal(facts.memoryMb, 8192); // TotalVisibleMemorySize 8,388,148 KiB
    raw['os'] = null;
    const bare = parseWindowsInventory(raw, { fallbackName: '10.0.0.9' });
    assert.equal(bare.name, '10.0.0.9');
    assert.equal(bare.osName, undefined);
    assert.equal(bare.facts['uptimeSeconds'], undefined);
  });

  it('keeps only fixed disks (DriveType 3)', () => {
    const disks = parseWindowsInventory(json(server2019)).facts['logicalDisks'] as { deviceId: string }[];
    assert.deepEqual(
      disks.map((d) => d.deviceId),
      ['C:', 'D:'],
    );
  });

  it('top-level addresses: deduplicated, lower-cased, no link-local or loopback; adapters keep them all', () => {
    const raw = {
      networkAdapters: [
        { IPAddress: ['10.1.1.5', 'FE80::1', '2001:DB8::5', '169.254.10.3', 'not-an-ip'] },
        { IPAddress: ['10.1.1.5', '127.0.0.1', '::1', 'febf::9'] },
      ],
    };
    const facts = parseWindowsInventory(raw);
    assert.deepEqual(facts.ipAddresses, ['10.1.1.5', '2001:db8::5']);
    const adapters = facts.facts['networkAdapters'] as { ipv4: string[]; ipv6: string[] }[];
    assert.deepEqual(adapters[0]?.ipv4, ['10.1.1.5', '169.254.10.3']);
    assert.deepEqual(adapters[0]?.ipv6, ['fe80::1', '2001:db8::5']);
  });

  it('normalises every CIM date form to ISO 8601 UTC', () => {
    assert.equal(normalizeCimDate('/Date(1700000000000)/'), '2023-11-14T22:13:20.000Z');
    assert.equal(normalizeCimDate('\\/Date(1700000000000)\\/'), '2023-11-14T22:13:20.000Z');
    assert.equal(normalizeCimDate('/Date(1700000000000+0100)/'), '2023-11-14T22:13:20.000Z');
    assert.equal(normalizeCimDate('20231114231320.500000+060'), '2023-11-14T22:13:20.500Z');
    assert.equal(normalizeCimDate('20231114221320.000000-000'), '2023-11-14T22:13:20.000Z');
    assert.equal(normalizeCimDate('2023-11-14T23:13:20.5+01:00'), '2023-11-14T22:13:20.500Z');
    assert.equal(
      normalizeCimDate({ value: '/Date(1700000000000)/', DisplayHint: 2, DateTime: 'Tuesday, November 14, 2023 10:13:20 PM' }),
      '2023-11-14T22:13:20.000Z',
    );
    for (const bad of ['', 'yesterday', '/Date(abc)/', '20231314221320.000000+000', '********************', 17, null, {}, []]) {
      assert.equal(normalizeCimDate(bad), undefined, JSON.stringify(bad));
    }
  });

  it('reads stdout with a BOM and a trailing newline, rejects anything else', () => {
    assert.deepEqual(readWindowsJson(`\uFEFF${server2022}\r\n`), { ok: true, value: json(server2022) });
    assert.equal(readWindowsJson('').ok, false);
    assert.equal(readWindowsJson('Windows PowerShell\r\n{').ok, false);
  });

  it('never throws on arbitrary JSON, and always returns Windows host facts', () => {
    const classValue = fc.oneof(fc.jsonValue(), fc.array(fc.dictionary(fc.string(), fc.jsonValue())), fc.dictionary(fc.string(), fc.jsonValue()));
    const shaped = fc.record(
      {
        os: classValue,
        computerSystem: classValue,
        processors: classValue,
        logicalDisks: classValue,
        networkAdapters: classValue,
        bios: classValue,
        errors: classValue,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), shaped), fc.option(fc.string(), { nil: undefined }), (raw, fallbackName) => {
        const facts = parseWindowsInventory(raw, fallbackName === undefined ? {} : { fallbackName });
        assert.equal(facts.kind, 'windows');
        assert.equal(typeof facts.name, 'string');
        assert.ok(Array.isArray(facts.ipAddresses));
        assert.ok(facts.facts !== null && typeof facts.facts === 'object');
        JSON.stringify(facts); // serialisable, no cycles
      }),
      { numRuns: 500 },
    );
  });

  it('excerpts are short and free of CLIXML markup, whatever the output', () => {
    const excerpt = outputExcerpt(clixmlFailureStderr);
    assert.match(excerpt, /^Cannot invoke method\. Method invocation is supported only on core types in this language mode\. At line:12/);
    assert.doesNotMatch(excerpt, /CLIXML|<|Preparing modules/);
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (s) => {
        assert.ok(outputExcerpt(s).length <= 300);
        assert.ok(outputExcerpt(`#< CLIXML\r\n<Objs><S S="Error">${s}</S></Objs>`).length <= 300);
      }),
    );
  });
});

// ---------------------------------------------------------------------------

describe('collecting through SSH from a Windows OpenSSH test double', () => {
  const username = 'inventory';
  const password = 'c0rrect-Horse!';
  const clientKey = generateEd25519OpenSsh('collector');
  let double: WindowsSshDouble;

  const target = (overrides: Partial<RemoteTarget> = {}): RemoteTarget => ({
    address: '127.0.0.1',
    port: double.port,
    credential: { username, password },
    connectTimeoutMs: 5_000,
    overallTimeoutMs: 10_000,
    ...overrides,
  });

  /** Runs one collection and checks it used at most one connection and one exec. */
  async function collect(t: RemoteTarget, expect: { connections: number; execs: number }): Promise<CollectionResult> {
    const before = { connections: double.connectionCount, execs: double.execCount };
    const result = await collectWindows(t);
    assert.equal(double.connectionCount - before.connections, expect.connections, 'connections');
    assert.equal(double.execCount - before.execs, expect.execs, 'execs');
    return result;
  }

  before(async () => {
    double = await startWindowsSshDouble({
      username,
      password,
      authorizedKey: clientKey.publicKey,
      expectedCommand: windowsInventoryCommand,
      stdout: server2019,
    });
  });
  after(async () => {
    await double.stop();
  });

  it('Windows Server 2019: facts, host key, one connection and one exec of the exact command', async () => {
    double.behaviour = 'answer';
    double.stdout = server2019;
    const result = await collect(target(), { connections: 1, execs: 1 });
    assert.deepEqual(result, { ok: true, facts: expected2019, hostKey: double.hostKeyFingerprint });
    assert.equal(double.commands.at(-1), windowsInventoryCommand);
  });

  it('Windows Server 2022 with public-key authentication and the host key pinned', async () => {
    double.behaviour = 'answer';
    double.stdout = server2022;
    const result = await collect(
      target({ credential: { username, privateKey: clientKey.privateKey }, pinnedHostKey: double.hostKeyFingerprint }),
      { connections: 1, execs: 1 },
    );
    assert.deepEqual(result, { ok: true, facts: expected2022, hostKey: double.hostKeyFingerprint });
  });

  it('a class that failed on the host degrades to a missing fact, not a failed host', async () => {
    const raw = json(server2022);
    raw['bios'] = null;
    raw['errors'] = { bios: 'Provider load failure ' };
    double.behaviour = 'answer';
    double.stdout = JSON.stringify(raw);
    const result = await collect(target(), { connections: 1, execs: 1 });
    assert.ok(result.ok);
    assert.equal(result.facts.facts['bios'], undefined);
    assert.deepEqual(result.facts.facts['unavailable'], { bios: 'Provider load failure' });
    assert.equal(result.facts.name, 'web-app02');
  });

  it('every class failed -> COLLECTION_FAILED naming the errors', async () => {
    double.behaviour = 'answer';
    double.stdout = JSON.stringify({
      v: 1,
      os: null,
      computerSystem: null,
      processors: null,
      logicalDisks: null,
      networkAdapters: null,
      bios: null,
      errors: { os: 'Invalid namespace ', computerSystem: 'Invalid namespace ' },
    });
    const result = await collect(target(), { connections: 1, execs: 1 });
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.code, 'COLLECTION_FAILED');
    assert.match(result.message, /no CIM class could be read: os: Invalid namespace; computerSystem: Invalid namespace/);
  });

  it('wrong password -> AUTH_FAILED, nothing executed, the password never in the message', async () => {
    const result = await collect(target({ credential: { username, password: 'wrong-password' } }), { connections: 1, execs: 0 });
    assert.ok(!result.ok);
    assert.equal(result.code, 'AUTH_FAILED');
    assert.doesNotMatch(result.message, /wrong-password|c0rrect/);
  });

  it('a command that never answers -> TIMEOUT at the overall timeout', async () => {
    double.behaviour = 'hang';
    const started = Date.now();
    const result = await collect(target({ overallTimeoutMs: 600 }), { connections: 1, execs: 1 });
    const elapsed = Date.now() - started;
    assert.ok(!result.ok);
    assert.equal(result.code, 'TIMEOUT');
    assert.ok(elapsed >= 550 && elapsed < 5_000, `${elapsed} ms`);
  });

  it('PowerShell failing (exit 1, CLIXML stderr) -> COLLECTION_FAILED with a short, readable excerpt', async () => {
    double.behaviour = 'fail';
    const result = await collect(target(), { connections: 1, execs: 1 });
    assert.ok(!result.ok);
    assert.equal(result.code, 'COLLECTION_FAILED');
    assert.match(result.message, /exit status 1: Cannot invoke method\. Method invocation is supported only on core types/);
    assert.doesNotMatch(result.message, /CLIXML|<Objs|<S S=|_x000D_|Preparing modules/);
    const excerpt = result.message.slice(result.message.indexOf('exit status 1: ') + 'exit status 1: '.length);
    assert.ok(excerpt.length <= 300, `${excerpt.length} characters`);
    assert.equal(result.hostKey, double.hostKeyFingerprint);
  });

  it('output that is not JSON -> COLLECTION_FAILED quoting the start of it', async () => {
    double.behaviour = 'garbage';
    const result = await collect(target(), { connections: 1, execs: 1 });
    assert.ok(!result.ok);
    assert.equal(result.code, 'COLLECTION_FAILED');
    assert.match(result.message, /not JSON: Windows PowerShell Copyright/);
  });

  it('JSON that is not the inventory object -> COLLECTION_FAILED', async () => {
    double.behaviour = 'answer';
    double.stdout = '[1,2,3]';
    const result = await collect(target(), { connections: 1, execs: 1 });
    assert.ok(!result.ok);
    assert.equal(result.code, 'COLLECTION_FAILED');
  });

  it('a host key other than the pinned one -> HOST_KEY_CHANGED before authentication, nothing executed', async () => {
    double.behaviour = 'answer';
    double.stdout = server2019;
    const pinned = generateEd25519OpenSsh('old-host-key').fingerprint;
    const result = await collect(target({ pinnedHostKey: pinned }), { connections: 1, execs: 0 });
    assert.ok(!result.ok);
    assert.equal(result.code, 'HOST_KEY_CHANGED');
    assert.equal(result.hostKey, double.hostKeyFingerprint);
    assert.ok(result.message.includes(pinned));
  });

  it('nobody listening -> UNREACHABLE', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const result = await collectWindows(target({ port }));
    assert.ok(!result.ok);
    assert.equal(result.code, 'UNREACHABLE');
  });
});
