import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseLinuxFacts } from '#shared/collectors/linux/collect-linux.ts';
import { FACTS_SCRIPT } from '#shared/collectors/linux/facts-script.ts';
import { splitSections } from '#shared/collectors/linux/sections.ts';
import { countCpuList, parseCpu } from '#shared/collectors/linux/parsers/cpu.ts';
import { parseFilesystems } from '#shared/collectors/linux/parsers/filesystems.ts';
import { hexToIpv4, hexToIpv6, parseDefaultRoute, parseNetwork } from '#shared/collectors/linux/parsers/network.ts';
import { parseOsRelease } from '#shared/collectors/linux/parsers/os-release.ts';
import { parseTimezone } from '#shared/collectors/linux/parsers/timezone.ts';
import { parseVirtualization } from '#shared/collectors/linux/parsers/virtualization.ts';
import { parseDmi } from '#shared/collectors/linux/parsers/dmi.ts';
import { parseBlockDevices } from '#shared/collectors/linux/parsers/block-devices.ts';
import { parseUptime } from '#shared/collectors/linux/parsers/uptime.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixture = (name: string) => readFileSync(join(root, 'test', 'fixtures', 'linux', `${name}.txt`), 'utf8');
const GiB = 1024 ** 3;

describe('Linux facts from recorded outputs', () => {
  it('Debian 12 on VMware (normal user: no serial/uuid)', () => {
    const h = parseLinuxFacts(fixture('debian-12'), '10.12.4.21');
    assert.equal(h.kind, 'linux');
    assert.equal(h.name, 'web01');
    assert.equal(h.osName, 'Debian GNU/Linux 12 (bookworm)');
    assert.equal(h.cpuCount, 4);
    assert.equal(h.memoryMb, 7957);
    assert.deepEqual(h.ipAddresses, ['10.12.4.21', '10.12.4.22', '2001:db8:12:4::21']);
    const f = h.facts;
    assert.equal(f.fqdn, 'web01.example.internal');
    assert.deepEqual(f.os, { id: 'debian', version: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)', codename: 'bookworm' });
    assert.equal(f.kernel, '6.1.0-21-amd64');
    assert.equal(f.architecture, 'x86_64');
    assert.deepEqual(f.cpu, { model: 'Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz', logical: 4, physicalCores: 4, sockets: 2 });
    assert.deepEqual(f.memory, { totalMb: 7957, swapMb: 974, availableMb: 7035 });
    assert.deepEqual(f.blockDevices, [
      { name: 'sda', sizeBytes: 50 * GiB, model: 'Virtual disk' },
      { name: 'sdb', sizeBytes: 250 * GiB, model: 'Virtual disk' },
      { name: 'sr0', sizeBytes: 2097151 * 512, model: 'VMware SATA CD00', removable: true },
    ]);
    assert.deepEqual(
      (f.filesystems as { mount: string; type: string }[]).map((x) => `${x.mount}:${x.type}`),
      ['/:ext4', '/srv/data:xfs', '/boot/efi:vfat'],
    );
    assert.deepEqual((f.filesystems as object[])[0], {
      device: '/dev/sda1',
      mount: '/',
      type: 'ext4',
      sizeBytes: 50254368 * 1024,
      usedBytes: 6274036 * 1024,
      availableBytes: 41395620 * 1024,
    });
    assert.deepEqual(f.interfaces, [
      { name: 'ens192', mac: '00:50:56:a1:3c:7e', state: 'up', ipv4: ['10.12.4.21', '10.12.4.22'], ipv6: ['2001:db8:12:4::21', 'fe80::250:56ff:fea1:3c7e'] },
      { name: 'lo', state: 'unknown', ipv4: ['127.0.0.1'], ipv6: ['::1'] },
    ]);
    assert.deepEqual(f.defaultRoute, { gateway: '10.12.4.1', interface: 'ens192' });
    assert.deepEqual(f.dmi, {
      vendor: 'VMware, Inc.',
      product: 'VMware Virtual Platform',
      boardVendor: 'Intel Corporation',
      boardName: '440BX Desktop Reference Platform',
      chassisVendor: 'No Enclosure',
      biosVendor: 'Phoenix Technologies LTD',
      biosVersion: '6.00',
    });
    assert.deepEqual(f.virtualization, { type: 'vmware' });
    assert.equal(f.uptimeSeconds, 1296000);
    assert.equal(f.bootTime, '2024-05-26T06:13:20Z');
    assert.equal(f.timezone, 'Europe/Paris');
    assert.equal(f.utcOffset, '+02:00');
    assert.equal(f.warnings, undefined);
  });

  it('Ubuntu 22.04 on OpenStack with docker and snaps', () => {
    const h = parseLinuxFacts(fixture('ubuntu-22.04'), 'x');
    assert.equal(h.name, 'app-02');
    assert.equal(h.osName, 'Ubuntu 22.04.4 LTS');
    assert.equal(h.cpuCount, 2);
    assert.equal(h.memoryMb, 3911);
    // default-route interface first; docker bridge kept; link-local left out
    assert.deepEqual(h.ipAddresses, ['10.20.0.15', '2001:db8:20::f816:3eff:fe5d:8a11', '172.17.0.1']);
    const f = h.facts;
    assert.deepEqual(f.os, { id: 'ubuntu', version: '22.04', prettyName: 'Ubuntu 22.04.4 LTS', idLike: 'debian', codename: 'jammy' });
    assert.equal(f.kernel, '5.15.0-107-generic');
    assert.deepEqual(f.cpu, { model: 'Intel Xeon Processor (Cascadelake)', logical: 2, physicalCores: 2, sockets: 2 });
    assert.deepEqual(f.blockDevices, [{ name: 'vda', sizeBytes: 40 * GiB }]); // snap loops left out
    // squashfs snaps, tmpfs and docker overlay layers left out
    assert.deepEqual((f.filesystems as { mount: string }[]).map((x) => x.mount), ['/', '/boot/efi']);
    const names = (f.interfaces as { name: string }[]).map((i) => i.name);
    assert.deepEqual(names, ['docker0', 'ens3', 'lo', 'veth3f2a1b9']); // "veth…@if4" trimmed
    assert.deepEqual(f.defaultRoute, { gateway: '10.20.0.1', interface: 'ens3' });
    assert.deepEqual(f.virtualization, { type: 'kvm' });
    assert.equal(f.timezone, 'Etc/UTC');
    assert.equal(f.uptimeSeconds, 86461);
  });

  it('RHEL 9 on a Dell server (root: serial and uuid readable, LVM)', () => {
    const h = parseLinuxFacts(fixture('rhel-9'), 'x');
    assert.equal(h.name, 'db01.corp.example.com');
    assert.equal(h.osName, 'Red Hat Enterprise Linux 9.3 (Plow)');
    assert.equal(h.cpuCount, 8);
    assert.equal(h.memoryMb, 128347);
    assert.deepEqual(h.ipAddresses, ['192.168.50.10']);
    const f = h.facts;
    assert.deepEqual(f.os, { id: 'rhel', version: '9.3', prettyName: 'Red Hat Enterprise Linux 9.3 (Plow)', idLike: 'fedora' });
    assert.deepEqual(f.cpu, { model: 'Intel(R) Xeon(R) Silver 4310 CPU @ 2.10GHz', logical: 8, physicalCores: 4, sockets: 2 });
    assert.deepEqual(f.memory, { totalMb: 128347, swapMb: 4095, availableMb: 118097 });
    assert.deepEqual(f.blockDevices, [{ name: 'sda', sizeBytes: 1874329600 * 512, model: 'PERC H755 Front' }]); // dm-* and empty sr0 left out
    assert.deepEqual(
      (f.filesystems as { device: string; mount: string; type: string }[]).map((x) => [x.device, x.mount, x.type]),
      [
        ['/dev/mapper/rhel-root', '/', 'xfs'],
        ['/dev/sda2', '/boot', 'xfs'],
        ['/dev/sda1', '/boot/efi', 'vfat'],
        ['/dev/mapper/rhel-home', '/home', 'xfs'],
      ],
    );
    const bond = (f.interfaces as { name: string; mac?: string; ipv4: string[] }[]).find((i) => i.name === 'bond0');
    assert.deepEqual(bond?.ipv4, ['192.168.50.10']);
    assert.equal(bond?.mac, 'b4:96:91:a8:2e:40');
    assert.deepEqual(f.defaultRoute, { gateway: '192.168.50.1', interface: 'bond0' });
    assert.deepEqual(f.dmi, {
      vendor: 'Dell Inc.',
      product: 'PowerEdge R650',
      serial: '7XK2Q53',
      uuid: '4c4c4544-0058-4b10-8032-b7c04f513533',
      boardVendor: 'Dell Inc.',
      boardName: '0PYXKY',
      chassisVendor: 'Dell Inc.',
      biosVendor: 'Dell Inc.',
      biosVersion: '1.11.2',
    });
    assert.deepEqual(f.virtualization, { type: 'none' });
    assert.equal(f.timezone, 'America/New_York'); // from the relative /etc/localtime link
    assert.equal(f.utcOffset, '-04:00');
    assert.equal(f.bootTime, '2024-04-30T06:16:51Z');
  });

  it('Alpine 3.19 with BusyBox only (no systemd-detect-virt, no /etc/timezone)', () => {
    const h = parseLinuxFacts(fixture('alpine-3.19'), 'x');
    assert.equal(h.name, 'edge-gw');
    assert.equal(h.osName, 'Alpine Linux v3.19');
    assert.equal(h.cpuCount, 2);
    assert.equal(h.memoryMb, 981);
    assert.deepEqual(h.ipAddresses, ['192.168.122.40', '172.16.8.1', 'fd12:3456:789a:1::1']);
    const f = h.facts;
    assert.deepEqual(f.os, { id: 'alpine', version: '3.19.1', prettyName: 'Alpine Linux v3.19' });
    assert.equal(f.kernel, '6.6.14-0-virt');
    assert.deepEqual(f.cpu, { model: 'AMD EPYC-Milan Processor', logical: 2, physicalCores: 2, sockets: 1 });
    assert.deepEqual(f.memory, { totalMb: 981, swapMb: 511, availableMb: 841 });
    assert.deepEqual(f.blockDevices, [{ name: 'vda', sizeBytes: 8 * GiB }]);
    assert.deepEqual(
      (f.filesystems as { mount: string; type: string }[]).map((x) => `${x.mount}:${x.type}`),
      ['/:ext4', '/boot:ext4'],
    );
    assert.deepEqual(f.defaultRoute, { gateway: '192.168.122.1', interface: 'eth0' });
    // no systemd-detect-virt: DMI "QEMU / Standard PC (Q35 ...)" gives kvm
    assert.deepEqual(f.virtualization, { type: 'kvm' });
    assert.equal(f.timezone, 'UTC');
    assert.equal(f.uptimeSeconds, 5400);
    assert.equal(f.dmi && (f.dmi as { serial?: string }).serial, undefined);
  });
});

describe('Linux parser fallbacks', () => {
  it('network: ifconfig (BusyBox and net-tools 2), /proc/net/if_inet6, /proc/net/route', () => {
    const busybox = [
      'eth0      Link encap:Ethernet  HWaddr 52:54:00:AB:CD:EF  ',
      '          inet addr:10.0.0.5  Bcast:10.0.0.255  Mask:255.255.255.0',
      '          inet6 addr: fe80::5054:ff:feab:cdef/64 Scope:Link',
      '          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1',
      '',
      'lo        Link encap:Local Loopback  ',
      '          inet addr:127.0.0.1  Mask:255.0.0.0',
    ].join('\n');
    const n = parseNetwork({
      ifconfig: busybox,
      procNetRoute: 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\t0\t0\t0',
    });
    assert.deepEqual(n?.interfaces, [
      { name: 'eth0', mac: '52:54:00:ab:cd:ef', ipv4: ['10.0.0.5'], ipv6: ['fe80::5054:ff:feab:cdef'] },
      { name: 'lo', ipv4: ['127.0.0.1'], ipv6: [] },
    ]);
    assert.deepEqual(n?.defaultRoute, { gateway: '10.0.0.1', interface: 'eth0' });

    const nettools2 = [
      'ens3: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500',
      '        inet 192.168.1.20  netmask 255.255.255.0  broadcast 192.168.1.255',
      '        inet6 2001:db8::20  prefixlen 64  scopeid 0x0<global>',
      '        ether 52:54:00:11:22:33  txqueuelen 1000  (Ethernet)',
    ].join('\n');
    const n2 = parseNetwork({
      ifconfig: nettools2,
      netSys: 'ens3\t52:54:00:11:22:33\tup',
    });
    assert.deepEqual(n2?.interfaces, [{ name: 'ens3', mac: '52:54:00:11:22:33', state: 'up', ipv4: ['192.168.1.20'], ipv6: ['2001:db8::20'] }]);

    const n3 = parseNetwork({ ifInet6: 'fe80000000000000505400fffe9c4107 02 40 20 80     eth0\n20010db8000000000000000000000001 02 40 00 80     eth0' });
    assert.deepEqual(n3?.interfaces[0]?.ipv6, ['fe80::5054:ff:fe9c:4107', '2001:db8::1']);
  });

  it('network helpers', () => {
    assert.equal(hexToIpv4('010200C0'), '192.0.2.1');
    assert.equal(hexToIpv6('00000000000000000000000000000001'), '::1');
    assert.equal(hexToIpv6('20010db8000000010000000000000000'), '2001:db8:0:1::');
    assert.equal(hexToIpv6('nothex'), undefined);
    assert.deepEqual(parseDefaultRoute('default dev wg0 scope link', undefined), { interface: 'wg0' });
    // lowest metric wins in /proc/net/route; non-UP entries ignored
    const table = [
      'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask',
      'wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000',
      'eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000',
      'eth9\t00000000\t0100000B\t0002\t0\t0\t1\t00000000',
    ].join('\n');
    assert.deepEqual(parseDefaultRoute(undefined, table), { gateway: '10.0.0.1', interface: 'eth0' });
  });

  it('cpu: ARM without physical id uses /sys topology; cpu lists', () => {
    const arm = 'processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\n\nprocessor\t: 1\nBogoMIPS\t: 50.00\n';
    assert.deepEqual(parseCpu(arm, 'cpu0 0 0\ncpu1 0 1', '0-1'), { logical: 2, physicalCores: 2, sockets: 1 });
    assert.deepEqual(parseCpu(undefined, undefined, '0-3,8-11'), { logical: 8 });
    assert.equal(countCpuList('0'), 1);
    assert.equal(countCpuList('garbage'), undefined);
  });

  it('os-release quoting and old systems without it', () => {
    assert.deepEqual(parseOsRelease(`ID='sles'\nVERSION_ID="15.5"\nPRETTY_NAME="SUSE \\"Linux\\" 15"`), {
      id: 'sles',
      version: '15.5',
      prettyName: 'SUSE "Linux" 15',
    });
    assert.deepEqual(parseOsRelease(undefined, '/etc/redhat-release=CentOS release 6.10 (Final)'), {
      prettyName: 'CentOS release 6.10 (Final)',
      version: '6.10',
    });
  });

  it('filesystems without /proc/mounts, mount points with spaces', () => {
    const df = 'Filesystem 1024-blocks Used Available Capacity Mounted on\ntmpfs 100 0 100 0% /run\n/dev/sdb1 2000 1000 1000 50% /mnt/my disk';
    assert.deepEqual(parseFilesystems(df), [{ device: '/dev/sdb1', mount: '/mnt/my disk', sizeBytes: 2048000, usedBytes: 1024000, availableBytes: 1024000 }]);
    assert.deepEqual(parseFilesystems(df, '/dev/sdb1 /mnt/my\\040disk ext4 rw 0 0')?.[0]?.type, 'ext4');
  });

  it('virtualization heuristics without systemd-detect-virt', () => {
    assert.deepEqual(parseVirtualization('', { vendor: 'Microsoft Corporation', product: 'Virtual Machine' }, true), { type: 'microsoft' });
    assert.deepEqual(parseVirtualization('', { vendor: 'HPE', product: 'ProLiant DL380 Gen10' }, false), { type: 'none' });
    assert.deepEqual(parseVirtualization('dockerenv=1', undefined, true), { type: 'unknown', container: 'docker' });
    assert.equal(parseVirtualization('', undefined, undefined), undefined);
  });

  it('dmi placeholders, timezone fallbacks, block devices, uptime', () => {
    assert.deepEqual(parseDmi('sys_vendor=To Be Filled By O.E.M.\nproduct_serial=Not Specified\nproduct_name=X570 AORUS'), { product: 'X570 AORUS' });
    assert.deepEqual(parseTimezone('localtime-link=/usr/share/zoneinfo/posix/Asia/Tokyo\ndate-zone=JST\ndate-offset=+0900'), { timezone: 'Asia/Tokyo', utcOffset: '+09:00' });
    assert.deepEqual(parseTimezone('date-zone=CET'), { timezone: 'CET' });
    assert.deepEqual(parseBlockDevices('nvme0n1\t1000215216\t0\tSamsung SSD 980 PRO 1TB\nloop0\t100\t0\t\nsr0\t0\t1\tDVD'), [
      { name: 'nvme0n1', sizeBytes: 1000215216 * 512, model: 'Samsung SSD 980 PRO 1TB' },
    ]);
    assert.deepEqual(parseUptime('100.99 50.00', 'epoch=1000'), { uptimeSeconds: 100, bootTime: '1970-01-01T00:15:00Z' });
  });

  it('a host with almost nothing readable still yields a host named by its address', () => {
    const h = parseLinuxFacts('@@section meta\nscript=1\n@@section hostname\n', '10.9.8.7');
    assert.equal(h.name, '10.9.8.7');
    assert.deepEqual(h.ipAddresses, []);
    assert.deepEqual(h.facts, { warnings: ['output incomplete: the facts script did not finish'] });
  });

  it('sections: banners before the first marker are ignored, CRLF tolerated', () => {
    const { sections, complete } = splitSections('Welcome!\r\n@@section hostname\r\nbox\r\n@@end\r\n');
    assert.equal(sections.get('hostname'), 'box');
    assert.equal(complete, true);
    assert.equal(sections.size, 1);
  });
});

describe('Linux parsers never throw on garbage', () => {
  const SECTION_NAMES = [
    'meta', 'hostname', 'fqdn', 'os-release', 'os-hints', 'uname', 'cpuinfo', 'cpu-topology', 'cpu-online', 'meminfo',
    'block-devices', 'df', 'mounts', 'ip-link', 'ip-addr', 'net-sys', 'if-inet6', 'ifconfig', 'ip-route',
    'proc-net-route', 'dmi', 'virt', 'uptime', 'timezone',
  ];
  const line = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: fc.constantFrom('0', '1', 'f', ':', ' ', '\t', '=', '/', '%', '.', '-', '@', 'a', '\\'), maxLength: 60 }),
    fc.constantFrom('processor\t: 0', 'physical id\t: x', 'MemTotal: 99999999999999999999 kB', '0-', '4294967295-0', 'default via', 'eth0\t00000000\tZZ\t0003\t0\t0\tx\t00000000'),
  );
  const section = fc.tuple(fc.constantFrom(...SECTION_NAMES), fc.array(line, { maxLength: 8 }));

  it('arbitrary lines in any section', () => {
    fc.assert(
      fc.property(fc.array(section, { maxLength: 12 }), fc.boolean(), (parts, end) => {
        const text = parts.map(([name, lines]) => `@@section ${name}\n${lines.join('\n')}`).join('\n') + (end ? '\n@@end\n' : '');
        const h = parseLinuxFacts(text, 'fallback');
        assert.equal(h.kind, 'linux');
        assert.equal(typeof h.name, 'string');
        assert.ok(Array.isArray(h.ipAddresses));
        assert.doesNotThrow(() => JSON.stringify(h));
        // the parsers themselves cope: nothing had to be caught by the safety net
        const warnings = (h.facts.warnings as string[] | undefined) ?? [];
        assert.deepEqual(warnings.filter((w) => !w.startsWith('output incomplete')), []);
      }),
      { numRuns: 400 },
    );
  });

  it('real fixtures with one section replaced by garbage', () => {
    const base = fixture('ubuntu-22.04');
    fc.assert(
      fc.property(fc.constantFrom(...SECTION_NAMES), fc.array(line, { maxLength: 6 }), (name, lines) => {
        const replaced = base.replace(new RegExp(`@@section ${name}\\n[\\s\\S]*?(?=@@section |@@end)`), `@@section ${name}\n${lines.join('\n')}\n`);
        const h = parseLinuxFacts(replaced, 'fallback');
        assert.equal(h.kind, 'linux');
      }),
      { numRuns: 200 },
    );
  });
});

describe('facts script', () => {
  it('facts-script.ts embeds facts.sh unchanged', () => {
    // Regenerate after editing facts.sh:
    // node -e 'const fs=require("fs");const d="shared/collectors/linux/";const s=fs.readFileSync(d+"facts.sh","utf8");fs.writeFileSync(d+"facts-script.ts",fs.readFileSync(d+"facts-script.ts","utf8").replace(/String\.raw`[\s\S]*`;\n$/,()=>"String.raw`"+s+"`;\n"))'
    const onDisk = readFileSync(join(root, 'shared', 'collectors', 'linux', 'facts.sh'), 'utf8');
    assert.equal(FACTS_SCRIPT, onDisk);
    assert.ok(!onDisk.includes('`') && !onDisk.includes('${'), 'facts.sh must not contain backticks or ${ (embedded in a template literal)');
  });

  const shells: [string, string[]][] = [
    ['dash', ['/bin/dash']],
    ['busybox sh', ['/bin/busybox', 'sh']],
    ['bash --posix', ['/bin/bash', '--posix']],
  ];
  for (const [label, argv] of shells) {
    const [bin, ...args] = argv as [string, ...string[]];
    it(`runs under ${label} and parses`, { skip: !existsSync(bin) && `${bin} not installed` }, () => {
      execFileSync(bin, [...args, '-n'], { input: FACTS_SCRIPT }); // syntax check
      const out = execFileSync(bin, [...args, '-s'], { input: FACTS_SCRIPT, encoding: 'utf8', timeout: 30_000 });
      const { sections, complete } = splitSections(out);
      assert.ok(complete, 'script reached @@end');
      assert.ok(sections.has('meminfo') && sections.has('uname'));
      const h = parseLinuxFacts(out, 'local');
      assert.equal(h.name, readFileSync('/proc/sys/kernel/hostname', 'utf8').trim());
      assert.ok((h.memoryMb ?? 0) > 0);
      assert.ok((h.cpuCount ?? 0) > 0);
    });
  }

  it('tolerates an empty environment (no PATH, HOME, TZ, LANG)', { skip: !existsSync('/bin/busybox') && 'busybox not installed' }, () => {
    const out = execFileSync('/bin/busybox', ['env', '-i', '/bin/busybox', 'sh', '-s'], { input: FACTS_SCRIPT, encoding: 'utf8' });
    assert.ok(splitSections(out).complete);
  });
});
