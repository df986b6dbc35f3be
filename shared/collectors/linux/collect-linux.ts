import type { HostFacts } from '#shared/domain/host.ts';
import { CollectorError } from '../collector.ts';
import type { CollectionResult, RemoteTarget } from '../collector.ts';
import { runRemoteCommand } from '../ssh/run-command.ts';
import { FACTS_SCRIPT } from './facts-script.ts';
import { linesOf, splitSections } from './sections.ts';
import { parseBlockDevices } from './parsers/block-devices.ts';
import { parseCpu } from './parsers/cpu.ts';
import { parseDmi } from './parsers/dmi.ts';
import { parseFilesystems } from './parsers/filesystems.ts';
import { parseMeminfo } from './parsers/memory.ts';
import { hostAddresses, parseNetwork } from './parsers/network.ts';
import { parseOsRelease } from './parsers/os-release.ts';
import { parseTimezone } from './parsers/timezone.ts';
import { parseUname } from './parsers/uname.ts';
import { parseUptime } from './parsers/uptime.ts';
import { parseVirtualization } from './parsers/virtualization.ts';

/** The remote command: a POSIX shell reading the facts script from stdin (works whatever the login shell). */
export const LINUX_FACTS_COMMAND = 'sh -s';
const STDERR_EXCERPT_CHARS = 300;

/**
 * Collects one Linux host: one SSH connection, one exec of the facts script,
 * then every fact group parsed independently. A parser that throws leaves its
 * facts out and adds a warning; it never fails the host.
 */
export async function collectLinux(target: RemoteTarget, options: { script?: string } = {}): Promise<CollectionResult> {
  let result;
  try {
    result = await runRemoteCommand(target, LINUX_FACTS_COMMAND, { stdin: options.script ?? FACTS_SCRIPT });
  } catch (err) {
    if (err instanceof CollectorError) {
      const failure: CollectionResult = { ok: false, code: err.code, message: err.message };
      if (err.hostKey !== undefined) failure.hostKey = err.hostKey;
      return failure;
    }
    return { ok: false, code: 'COLLECTION_FAILED', message: `${target.address}: ${(err as Error).message}` };
  }
  const { sections } = splitSections(result.stdout);
  if (sections.size === 0) {
    return {
      ok: false,
      code: 'COLLECTION_FAILED',
      message: `${target.address}: facts script produced no output (exit ${result.exitCode ?? 'unknown'})${excerpt(result.stderr)}`,
      hostKey: result.hostKey,
    };
  }
  return { ok: true, facts: parseLinuxFacts(result.stdout, target.address), hostKey: result.hostKey };
}

function excerpt(stderr: string): string {
  const text = stderr.replace(/\s+/g, ' ').trim();
  if (text === '') return '';
  return `: ${text.length > STDERR_EXCERPT_CHARS ? `${text.slice(0, STDERR_EXCERPT_CHARS - 1)}…` : text}`;
}

/** Drops undefined values so stores and hashes see the same shape. */
function compact<T extends Record<string, unknown>>(obj: T): T {
  for (const key of Object.keys(obj)) if (obj[key] === undefined) delete obj[key];
  return obj;
}

/** Maps the facts script's output to HostFacts. Never throws. */
export function parseLinuxFacts(stdout: string, fallbackName: string): HostFacts {
  const warnings: string[] = [];
  const safe = <T>(group: string, parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (err) {
      warnings.push(`${group}: ${(err as Error)?.message ?? String(err)}`.slice(0, 200));
      return undefined;
    }
  };

  const split = safe('sections', () => splitSections(stdout));
  const s = split?.sections ?? new Map<string, string>();
  if (split && !split.complete) warnings.push('output incomplete: the facts script did not finish');

  const hostname = safe('hostname', () => linesOf(s.get('hostname'))[0]?.trim() || undefined);
  const fqdn = safe('fqdn', () => {
    const v = linesOf(s.get('fqdn'))[0]?.trim();
    return v && v !== 'localhost' && !/\s/.test(v) ? v : undefined;
  });
  const os = safe('os-release', () => parseOsRelease(s.get('os-release'), s.get('os-hints')));
  const uname = safe('uname', () => parseUname(s.get('uname')));
  const cpu = safe('cpu', () => parseCpu(s.get('cpuinfo'), s.get('cpu-topology'), s.get('cpu-online')));
  const memory = safe('memory', () => parseMeminfo(s.get('meminfo')));
  const blockDevices = safe('block-devices', () => parseBlockDevices(s.get('block-devices')));
  const filesystems = safe('filesystems', () => parseFilesystems(s.get('df'), s.get('mounts')));
  const network = safe('network', () =>
    parseNetwork({
      ipLink: s.get('ip-link'),
      ipAddr: s.get('ip-addr'),
      netSys: s.get('net-sys'),
      ifInet6: s.get('if-inet6'),
      ifconfig: s.get('ifconfig'),
      ipRoute: s.get('ip-route'),
      procNetRoute: s.get('proc-net-route'),
    }),
  );
  const dmi = safe('dmi', () => parseDmi(s.get('dmi')));
  const virtualization = safe('virtualization', () => parseVirtualization(s.get('virt'), dmi, cpu?.hypervisorFlag));
  const uptime = safe('uptime', () => parseUptime(s.get('uptime'), s.get('meta')));
  const timezone = safe('timezone', () => parseTimezone(s.get('timezone')));

  const cpuFacts = cpu ? compact({ model: cpu.model, logical: cpu.logical, physicalCores: cpu.physicalCores, sockets: cpu.sockets }) : undefined;
  const facts = compact({
    hostname,
    fqdn,
    os: os ? compact({ id: os.id, version: os.version, prettyName: os.prettyName, idLike: os.idLike, codename: os.versionCodename }) : undefined,
    kernel: uname?.kernel,
    architecture: uname?.architecture,
    cpu: cpuFacts && Object.keys(cpuFacts).length > 0 ? cpuFacts : undefined,
    memory,
    blockDevices,
    filesystems,
    interfaces: network?.interfaces,
    defaultRoute: network?.defaultRoute,
    dmi,
    virtualization,
    uptimeSeconds: uptime?.uptimeSeconds,
    bootTime: uptime?.bootTime,
    timezone: timezone?.timezone,
    utcOffset: timezone?.utcOffset,
    warnings: warnings.length > 0 ? warnings : undefined,
  } as Record<string, unknown>);

  const host: HostFacts = {
    kind: 'linux',
    name: hostname ?? fallbackName,
    ipAddresses: safe('addresses', () => hostAddresses(network?.interfaces ?? [], network?.defaultRoute?.interface)) ?? [],
    facts,
  };
  if (cpu?.logical !== undefined) host.cpuCount = cpu.logical;
  if (memory?.totalMb !== undefined) host.memoryMb = memory.totalMb;
  if (os?.prettyName !== undefined) host.osName = os.prettyName;
  return compact(host as unknown as Record<string, unknown>) as unknown as HostFacts;
}
