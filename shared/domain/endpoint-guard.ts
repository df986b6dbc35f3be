import { isIP } from 'node:net';

/**
 * Refuses endpoints that point at link-local or cloud metadata addresses, so a
 * platform registration cannot be used to make our Lambdas fetch instance
 * credentials (SSRF). Only literal addresses are checked here; names are
 * resolved by the collector at connect time and checked again there.
 */
export function isForbiddenEndpointHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'metadata.google.internal' || host === 'instance-data') return true;
  const family = isIP(host);
  if (family === 4) return host.startsWith('169.254.');
  if (family === 6) return isForbiddenIpv6(host);
  return false;
}

function isForbiddenIpv6(host: string): boolean {
  // fe80::/10 link-local, fd00:ec2::254 the EC2 IPv6 metadata endpoint,
  // and IPv4-mapped forms of 169.254.0.0/16.
  if (/^fe[89ab][0-9a-f]:/.test(host)) return true;
  if (host === 'fd00:ec2::254') return true;
  // IPv4 embedded in IPv6 (mapped ::ffff:, compatible ::, NAT64 64:ff9b::):
  // the URL parser normalizes the dotted form to two hex groups.
  const embedded = host.match(/^(?:::ffff:|::|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):[0-9a-f]{1,4})$/);
  if (!embedded) return false;
  return embedded[1] ? embedded[1].startsWith('169.254.') : embedded[2] === 'a9fe';
}

/**
 * The connect-time half of the guard: a name that resolves to a forbidden
 * address (DNS pointing at the metadata service) is refused before any
 * request is sent. Returns a reason, or undefined when the name is allowed.
 */
export async function forbiddenResolution(hostname: string, lookup: (host: string) => Promise<Array<{ address: string }>>): Promise<string | undefined> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return isForbiddenEndpointHost(host) ? `${host} is a link-local or cloud metadata address` : undefined;
  let addresses: Array<{ address: string }>;
  try {
    addresses = await lookup(host);
  } catch {
    return undefined; // Unresolvable: the connection attempt reports it as unreachable.
  }
  const forbidden = addresses.find((entry) => isForbiddenEndpointHost(entry.address));
  return forbidden ? `${host} resolves to ${forbidden.address}, a link-local or cloud metadata address` : undefined;
}
