import { linesOf } from '../sections.ts';

export interface NetworkInterface {
  name: string;
  mac?: string;
  state?: string;
  /** Addresses without prefix length. */
  ipv4: string[];
  ipv6: string[];
}

export interface DefaultRoute {
  gateway?: string;
  interface?: string;
}

export interface NetworkFacts {
  interfaces: NetworkInterface[];
  defaultRoute?: DefaultRoute;
}

export interface NetworkSections {
  ipLink?: string;
  ipAddr?: string;
  netSys?: string;
  ifInet6?: string;
  ifconfig?: string;
  ipRoute?: string;
  procNetRoute?: string;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function normalMac(value: string | undefined): string | undefined {
  const mac = value?.trim().toLowerCase();
  if (mac === undefined || !MAC.test(mac) || mac === '00:00:00:00:00:00') return undefined;
  return mac;
}

function isIpv4(value: string): boolean {
  const m = IPV4.exec(value);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

function isIpv6(value: string): boolean {
  return /^[0-9a-f:.]+$/i.test(value) && value.includes(':') && value.length <= 45;
}

/** "eth0@if12" (veth peers) -> "eth0". */
function ifaceName(raw: string): string {
  return raw.replace(/:$/, '').replace(/@.*$/, '');
}

/** Expands /proc/net/if_inet6's 32 hex digits into a compressed IPv6 address. */
export function hexToIpv6(hex: string): string | undefined {
  if (!/^[0-9a-f]{32}$/i.test(hex)) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(parseInt(hex.slice(i, i + 4), 16).toString(16));
  // compress the longest run of zero groups (RFC 5952)
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** Little-endian hex from /proc/net/route ("010200C0") -> "192.0.2.1". */
export function hexToIpv4(hex: string): string | undefined {
  if (!/^[0-9a-f]{8}$/i.test(hex)) return undefined;
  const bytes = [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return bytes.join('.');
}

export function parseNetwork(s: NetworkSections): NetworkFacts | undefined {
  const byName = new Map<string, NetworkInterface>();
  const get = (name: string): NetworkInterface => {
    let iface = byName.get(name);
    if (!iface) {
      iface = { name, ipv4: [], ipv6: [] };
      byName.set(name, iface);
    }
    return iface;
  };
  const add = (list: string[], address: string) => {
    if (!list.includes(address)) list.push(address);
  };

  // ip -o link: "2: eth0: <BROADCAST,...> mtu 1500 ... state UP ...\    link/ether 52:54:00:12:34:56 brd ..."
  for (const line of linesOf(s.ipLink)) {
    const m = /^\d+:\s+(\S+?):?\s+<[^>]*>(.*)$/.exec(line);
    if (!m?.[1]) continue;
    const iface = get(ifaceName(m[1]));
    const mac = normalMac(/link\/\S+\s+(\S+)/.exec(m[2] ?? '')?.[1]);
    if (mac) iface.mac = mac;
    const state = /\bstate\s+(\S+)/.exec(m[2] ?? '')?.[1];
    if (state) iface.state = state.toLowerCase();
  }

  // name<TAB>mac<TAB>operstate from /sys/class/net
  for (const line of linesOf(s.netSys)) {
    const [name, address, state] = line.split('\t');
    if (!name) continue;
    const iface = get(name.trim());
    const mac = normalMac(address);
    if (mac && !iface.mac) iface.mac = mac;
    if (state && !iface.state) iface.state = state.trim().toLowerCase();
  }

  // ip -o addr: "2: eth0    inet 10.0.0.5/24 brd ... scope global eth0\ ..."
  let haveIpAddr = false;
  for (const line of linesOf(s.ipAddr)) {
    const m = /^\d+:\s+(\S+)\s+(inet6?)\s+([0-9a-fA-F.:]+)(?:\/\d+)?/.exec(line);
    if (!m?.[1] || !m[3]) continue;
    haveIpAddr = true;
    const iface = get(ifaceName(m[1]));
    if (m[2] === 'inet' && isIpv4(m[3])) add(iface.ipv4, m[3]);
    if (m[2] === 'inet6' && isIpv6(m[3])) add(iface.ipv6, m[3].toLowerCase());
  }

  // /proc/net/if_inet6: "fe80000000000000025056fffea1b2c3 02 40 20 80 eth0"
  if (!haveIpAddr) {
    for (const line of linesOf(s.ifInet6)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 6 || !f[5]) continue;
      const addr = hexToIpv6(f[0] ?? '');
      if (addr) add(get(f[5]).ipv6, addr);
    }
  }

  // ifconfig: BusyBox/net-tools 1.x ("inet addr:", "HWaddr") and net-tools 2.x ("inet 10.0.0.5", "ether")
  if (!haveIpAddr && s.ifconfig !== undefined) {
    let current: NetworkInterface | undefined;
    for (const line of (s.ifconfig ?? '').split('\n')) {
      if (line.trim() === '') continue;
      if (!/^\s/.test(line)) {
        const name = /^(\S+?):?(\s|$)/.exec(line)?.[1];
        current = name ? get(ifaceName(name)) : undefined;
      }
      if (!current) continue;
      const mac = normalMac(/(?:HWaddr|ether)\s+(\S+)/.exec(line)?.[1]);
      if (mac && !current.mac) current.mac = mac;
      const v4 = /\binet\s+(?:addr:)?(\d+\.\d+\.\d+\.\d+)/.exec(line)?.[1];
      if (v4 && isIpv4(v4)) add(current.ipv4, v4);
      const v6 = /\binet6\s+(?:addr:\s*)?([0-9a-fA-F:.]+)/.exec(line)?.[1];
      if (v6 && isIpv6(v6) && !current.ipv6.includes(v6.toLowerCase())) add(current.ipv6, v6.toLowerCase());
    }
  }

  const out: NetworkFacts = { interfaces: [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
  const route = parseDefaultRoute(s.ipRoute, s.procNetRoute);
  if (route) out.defaultRoute = route;
  if (out.interfaces.length === 0 && !route) return undefined;
  return out;
}

/** `ip route show default`, else the lowest-metric default entry in /proc/net/route. */
export function parseDefaultRoute(ipRoute: string | undefined, procNetRoute: string | undefined): DefaultRoute | undefined {
  for (const line of linesOf(ipRoute)) {
    if (!/^default\b/.test(line.trim())) continue;
    const route: DefaultRoute = {};
    const via = /\bvia\s+(\S+)/.exec(line)?.[1];
    const dev = /\bdev\s+(\S+)/.exec(line)?.[1];
    if (via) route.gateway = via;
    if (dev) route.interface = dev;
    if (via || dev) return route;
  }
  let best: { route: DefaultRoute; metric: number } | undefined;
  for (const line of linesOf(procNetRoute)) {
    const f = line.trim().split(/\s+/);
    // Iface Destination Gateway Flags RefCnt Use Metric Mask ...
    if (f.length < 8 || f[1] !== '00000000' || f[7] !== '00000000') continue;
    const flags = parseInt(f[3] ?? '0', 16);
    if (!(flags & 1)) continue; // RTF_UP
    const metric = Number(f[6] ?? 0);
    const route: DefaultRoute = { interface: f[0] ?? '' };
    const gateway = hexToIpv4(f[2] ?? '');
    if (gateway && gateway !== '0.0.0.0') route.gateway = gateway;
    if (!best || metric < best.metric) best = { route, metric };
  }
  return best?.route;
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

function isLinkLocalV6(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address);
}

/**
 * The host's addresses for HostFacts.ipAddresses: every IPv4 and IPv6 address
 * except loopback and IPv6 link-local (fe80::/10, the same on every LAN and
 * useless to reach the host). Interfaces keep their link-local addresses.
 * Addresses of the default route's interface come first.
 */
export function hostAddresses(interfaces: NetworkInterface[], primaryInterface?: string): string[] {
  const out: string[] = [];
  // The default route's interface first: its address is the one people know the host by.
  const ordered = [...interfaces].sort((a, b) => Number(b.name === primaryInterface) - Number(a.name === primaryInterface));
  for (const iface of ordered) {
    for (const a of [...iface.ipv4, ...iface.ipv6]) {
      if (!isLoopback(a) && !isLinkLocalV6(a) && !out.includes(a)) out.push(a);
    }
  }
  return out;
}
