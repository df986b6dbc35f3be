// Turns the JSON printed by the Windows inventory command (./command.ts) into HostFacts.
//
// The parser is total: whatever JSON value it is given, it returns HostFacts and never
// throws. A class that is null, absent or of the wrong shape is a missing fact, not a
// failure (the collector decides separately whether the output is usable at all).
//
// Shapes it copes with, all seen from Windows PowerShell 5.1's ConvertTo-Json:
// - one-element pipeline output arrives as an object instead of a one-element array;
//   a wrapped array can arrive as {"value": [...], "Count": n};
// - dates arrive as "/Date(1700000000000)/" (5.1), ISO 8601 strings (PowerShell 7),
//   DMTF strings "20231114221320.500000+060" (WMI), or {"value": ..., "DateTime": ...};
//   all become ISO 8601 UTC strings;
// - string arrays such as IPAddress may arrive as a single string.
//
// Decisions:
// - name: ComputerSystem.DNSHostName (case-preserved, up to 63 characters), else
//   OperatingSystem.CSName / ComputerSystem.Name (NetBIOS, upper case, 15 characters),
//   else the caller's fallback (the address the collector connected to).
// - ipAddresses (top level) lists each IP-enabled adapter's addresses in adapter order,
//   deduplicated, IPv4 and IPv6, lower-cased, WITHOUT link-local (fe80::/10,
//   169.254.0.0/16) and loopback addresses: those exist on every host, say nothing about
//   how to reach it and would make inventory searches by address noisy. The per-adapter
//   facts keep every address, link-local included.
// - MAC addresses are lower-cased with ':' separators (WMI prints "00:50:56:9A:4E:21").
// - logicalDisks keeps local fixed disks only (DriveType 3); CD-ROMs, network drives and
//   removable media come and go without the host changing.
// - uptimeSeconds is measured between the two clocks of the same OperatingSystem instance
//   (LocalDateTime - LastBootUpTime), so it does not depend on the collector's own clock.
// - classes the script could not read are listed under facts.unavailable with the
//   PowerShell error message (trimmed to 200 characters).

import { isIP } from 'node:net';
import type { HostFacts } from '#shared/domain/host.ts';
import { windowsClassKeys } from './command.ts';

type Json = Record<string, unknown>;

export interface WindowsOsFacts {
  caption?: string;
  version?: string;
  buildNumber?: string;
  installDate?: string;
  lastBootUpTime?: string;
  architecture?: string;
}

export interface WindowsComputerSystemFacts {
  manufacturer?: string;
  model?: string;
  domain?: string;
  partOfDomain?: boolean;
  totalPhysicalMemory?: number;
}

export interface WindowsProcessorFacts {
  name?: string;
  cores?: number;
  logical?: number;
}

export interface WindowsLogicalDiskFacts {
  deviceId?: string;
  fileSystem?: string;
  sizeBytes?: number;
  freeBytes?: number;
}

export interface WindowsNetworkAdapterFacts {
  description?: string;
  mac?: string;
  ipv4: string[];
  ipv6: string[];
  gateways: string[];
  dhcpEnabled?: boolean;
}

export interface WindowsBiosFacts {
  manufacturer?: string;
  serialNumber?: string;
  version?: string;
}

/** The shape of HostFacts.facts for kind 'windows'; every key is optional. */
export interface WindowsFacts {
  os?: WindowsOsFacts;
  computerSystem?: WindowsComputerSystemFacts;
  processors?: WindowsProcessorFacts[];
  logicalDisks?: WindowsLogicalDiskFacts[];
  networkAdapters?: WindowsNetworkAdapterFacts[];
  bios?: WindowsBiosFacts;
  uptimeSeconds?: number;
  /** Classes the script could not read, with PowerShell's message. */
  unavailable?: Record<string, string>;
}

export interface ParseWindowsOptions {
  /** Used as the host name when the output names no computer (e.g. the target address). */
  fallbackName?: string;
}

// ---------------------------------------------------------------------------
// Reading stdout

export type JsonReadResult = { ok: true; value: unknown } | { ok: false; reason: string };

/** Parses the command's stdout. Tolerates a BOM and surrounding whitespace, nothing else. */
export function readWindowsJson(stdout: string): JsonReadResult {
  const text = stdout.replace(/^\uFEFF/, '').trim();
  if (text === '') return { ok: false, reason: 'the command printed nothing on stdout' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'the command output is not JSON' };
  }
}

// ---------------------------------------------------------------------------
// Small total helpers

function isRecord(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Own property only, so keys like "constructor" or "__proto__" in the input mean nothing. */
function field(record: Json, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** ConvertTo-Json collapses one-element arrays; 5.1 sometimes wraps arrays in {value, Count}. */
export function asList(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value;
  if (isRecord(value)) {
    const inner = field(value, 'value');
    if (Array.isArray(inner) && typeof field(value, 'Count') === 'number') return inner;
  }
  return [value];
}

function records(value: unknown): Json[] {
  return asList(value).filter(isRecord);
}

/** A class that should be one instance; takes the first if several arrived. */
function single(value: unknown): Json | undefined {
  return records(value)[0];
}

function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function count(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function flag(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

function strings(value: unknown): string[] {
  return asList(value).flatMap((item) => {
    const s = text(item);
    return s === undefined ? [] : [s];
  });
}

/** Drops undefined values, so facts compare and hash the same however they were built. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function nonEmpty<T extends object>(value: T): T | undefined {
  return Object.keys(value).length === 0 ? undefined : value;
}

// ---------------------------------------------------------------------------
// Dates

const msDate = /^\/?Date\((-?\d{1,15})(?:[+-]\d{4})?\)\/?$/;
const dmtfDate = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{3}))?$/;
const isoDate = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function toIso(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Epoch milliseconds of a CIM date in any of the forms listed at the top of this file. */
export function cimDateMs(value: unknown): number | undefined {
  // Windows PowerShell may wrap a DateTime as {"value": ..., "DateTime": "..."}: unwrap once.
  const inner = isRecord(value) ? field(value, 'value') : value;
  if (typeof inner !== 'string') return undefined;
  const s = inner.trim().replaceAll('\\', '');
  const ms = msDate.exec(s);
  // The offset in "/Date(ms+0100)/" is informational: ms is already UTC.
  if (ms) return Number(ms[1]);
  const dmtf = dmtfDate.exec(s);
  if (dmtf) {
    const [year, month, day, hour, minute, second] = dmtf.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    const [frac, sign, offset] = [dmtf[7], dmtf[8], dmtf[9]];
    const valid = year >= 1601 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24 && minute < 60 && second < 60;
    if (!valid) return undefined;
    const utc = Date.UTC(year, month - 1, day, hour, minute, second, Math.floor(Number(`0.${frac ?? '0'}`) * 1000));
    const offsetMinutes = sign === undefined ? 0 : Number(offset) * (sign === '-' ? -1 : 1);
    const result = utc - offsetMinutes * 60_000;
    return Number.isFinite(result) ? result : undefined;
  }
  if (isoDate.test(s)) {
    const parsed = Date.parse(s);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

/** A CIM date as an ISO 8601 UTC string, or undefined when it is not a date. */
export function normalizeCimDate(value: unknown): string | undefined {
  const ms = cimDateMs(value);
  return ms === undefined ? undefined : toIso(ms);
}

// ---------------------------------------------------------------------------
// Addresses

function isLinkLocalOrLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('169.254.') || address.startsWith('127.');
  return /^fe[89ab][0-9a-f]:/.test(address) || address === '::1';
}

function ipList(value: unknown, family: 4 | 6 | 'any'): string[] {
  return strings(value)
    .map((s) => s.toLowerCase())
    .filter((s) => {
      const version = isIP(s);
      return family === 'any' ? version !== 0 : version === family;
    });
}

function normalizeMac(value: unknown): string | undefined {
  const mac = text(value);
  return mac === undefined ? undefined : mac.toLowerCase().replaceAll('-', ':');
}

// ---------------------------------------------------------------------------
// Classes

function parseOs(os: Json): WindowsOsFacts {
  return compact({
    caption: text(field(os, 'Caption')),
    version: text(field(os, 'Version')),
    buildNumber: text(field(os, 'BuildNumber')) ?? count(field(os, 'BuildNumber'))?.toString(),
    installDate: normalizeCimDate(field(os, 'InstallDate')),
    lastBootUpTime: normalizeCimDate(field(os, 'LastBootUpTime')),
    architecture: text(field(os, 'OSArchitecture')),
  });
}

function parseComputerSystem(cs: Json): WindowsComputerSystemFacts {
  return compact({
    manufacturer: text(field(cs, 'Manufacturer')),
    model: text(field(cs, 'Model')),
    domain: text(field(cs, 'Domain')),
    partOfDomain: flag(field(cs, 'PartOfDomain')),
    totalPhysicalMemory: count(field(cs, 'TotalPhysicalMemory')),
  });
}

function parseProcessor(cpu: Json): WindowsProcessorFacts {
  return compact({
    name: text(field(cpu, 'Name')),
    cores: count(field(cpu, 'NumberOfCores')),
    logical: count(field(cpu, 'NumberOfLogicalProcessors')),
  });
}

function parseDisk(disk: Json): WindowsLogicalDiskFacts {
  return compact({
    deviceId: text(field(disk, 'DeviceID')),
    fileSystem: text(field(disk, 'FileSystem')),
    sizeBytes: count(field(disk, 'Size')),
    freeBytes: count(field(disk, 'FreeSpace')),
  });
}

function parseAdapter(adapter: Json): WindowsNetworkAdapterFacts {
  const addresses = field(adapter, 'IPAddress');
  return compact({
    description: text(field(adapter, 'Description')),
    mac: normalizeMac(field(adapter, 'MACAddress')),
    ipv4: ipList(addresses, 4),
    ipv6: ipList(addresses, 6),
    gateways: ipList(field(adapter, 'DefaultIPGateway'), 'any'),
    dhcpEnabled: flag(field(adapter, 'DHCPEnabled')),
  });
}

function parseBios(bios: Json): WindowsBiosFacts {
  return compact({
    manufacturer: text(field(bios, 'Manufacturer')),
    serialNumber: text(field(bios, 'SerialNumber')),
    version: text(field(bios, 'SMBIOSBIOSVersion')) ?? text(field(bios, 'Version')),
  });
}

function parseUnavailable(errors: unknown): Record<string, string> | undefined {
  if (!isRecord(errors)) return undefined;
  const out: Record<string, string> = {};
  for (const key of windowsClassKeys) {
    const message = field(errors, key);
    if (message === undefined || message === null) continue;
    out[key] = (text(message) ?? 'unknown error').replace(/\s+/g, ' ').slice(0, 200);
  }
  return nonEmpty(out);
}

function sum(values: (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length === 0 ? undefined : known.reduce((a, b) => a + b, 0);
}

/** The Windows command's JSON (already parsed) as HostFacts. Never throws. */
export function parseWindowsInventory(raw: unknown, options: ParseWindowsOptions = {}): HostFacts {
  const root: Json = isRecord(raw) ? raw : {};
  const os = single(field(root, 'os'));
  const cs = single(field(root, 'computerSystem'));
  const cpuRecords = records(field(root, 'processors'));
  const diskRecords = records(field(root, 'logicalDisks'));
  const adapterRecords = records(field(root, 'networkAdapters'));
  const biosRecord = single(field(root, 'bios'));

  const processors = cpuRecords.map(parseProcessor);
  const logicalDisks = diskRecords.filter((d) => count(field(d, 'DriveType')) === 3).map(parseDisk);
  const networkAdapters = adapterRecords.map(parseAdapter);

  const bootMs = os && cimDateMs(field(os, 'LastBootUpTime'));
  const nowMs = os && cimDateMs(field(os, 'LocalDateTime'));
  const uptimeSeconds =
    bootMs !== undefined && nowMs !== undefined && nowMs >= bootMs ? Math.floor((nowMs - bootMs) / 1000) : undefined;

  const facts: WindowsFacts = compact({
    os: os && nonEmpty(parseOs(os)),
    computerSystem: cs && nonEmpty(parseComputerSystem(cs)),
    processors: cpuRecords.length > 0 ? processors : undefined,
    logicalDisks: diskRecords.length > 0 ? logicalDisks : undefined,
    networkAdapters: adapterRecords.length > 0 ? networkAdapters : undefined,
    bios: biosRecord && nonEmpty(parseBios(biosRecord)),
    uptimeSeconds,
    unavailable: parseUnavailable(field(root, 'errors')),
  });

  const name =
    text(cs && field(cs, 'DNSHostName')) ??
    text(os && field(os, 'CSName')) ??
    text(cs && field(cs, 'Name')) ??
    options.fallbackName ??
    '';

  const cpuCount = sum(processors.map((p) => p.logical)) ?? count(cs && field(cs, 'NumberOfLogicalProcessors'));

  const physicalBytes = count(cs && field(cs, 'TotalPhysicalMemory'));
  const visibleKb = count(os && field(os, 'TotalVisibleMemorySize'));
  const memoryMb =
    physicalBytes !== undefined
      ? Math.round(physicalBytes / 1_048_576)
      : visibleKb !== undefined
        ? Math.round(visibleKb / 1024)
        : undefined;

  const ipAddresses = [
    ...new Set(networkAdapters.flatMap((a) => [...a.ipv4, ...a.ipv6]).filter((ip) => !isLinkLocalOrLoopback(ip))),
  ];

  return compact({
    kind: 'windows' as const,
    name,
    osName: os && text(field(os, 'Caption')),
    cpuCount,
    memoryMb,
    ipAddresses,
    facts: facts as Record<string, unknown>,
  });
}
