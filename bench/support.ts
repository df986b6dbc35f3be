/** What both benchmarks need: an API client for the local stack and a peak-RSS sampler. */
import type { LocalStack } from '#local/stack.ts';
import type { VcsimInstance } from '#local/vcsim.ts';

export function apiClient(local: LocalStack) {
  return async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${local.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${local.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
    return JSON.parse(text);
  };
}

export function trackPeakMemory() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  return { peakRss: () => Math.max(peak, process.resourceUsage().maxRSS * 1024), stop: () => clearInterval(timer) };
}

export const finalStatuses = ['succeeded', 'partially_succeeded', 'failed', 'cancelled'];

/** Registers a vcsim as a platform, its certificate pinned, and returns the platform id. */
export async function registerVcsim(api: ReturnType<typeof apiClient>, vcsim: VcsimInstance, name: string): Promise<string> {
  const platform = (await api('POST', '/virtualization', {
    name,
    type: 'vmware',
    endpoint: vcsim.url,
    username: vcsim.username,
    password: vcsim.password,
    tls: { mode: 'thumbprint', thumbprint: vcsim.thumbprintSha256 },
  })) as { id: string };
  return platform.id;
}
