/**
 * Starts the real local stack (DynamoDB Local in memory, fauxqs, the Step
 * Functions endpoint, the HTTP adapter) for one test file, and a small API
 * client that speaks to it over HTTP like any user would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type LocalStack } from '#local/stack.ts';
import type { VcsimInstance } from '#local/vcsim.ts';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface TestStack {
  stack: LocalStack;
  dataDir: string;
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  /** Registers a vcsim as a platform (its thumbprint pinned, a random name) and returns its id. */
  registerPlatform(vcsim: VcsimInstance, overrides?: Record<string, unknown>): Promise<string>;
  /** Polls a task until it has a final status; returns every state seen. */
  waitForTask(taskId: string, options?: { intervalMs?: number; timeoutMs?: number }): Promise<TaskSnapshot[]>;
  stop(): Promise<void>;
}

export interface TaskSnapshot {
  id: string;
  status: string;
  phase: string;
  error?: string;
  progress: { total: number; processed: number; succeeded: number; failed: number; percent: number };
  counts: { created: number; updated: number; unchanged: number; missing: number };
}

const finalStatuses = new Set(['succeeded', 'partially_succeeded', 'failed', 'cancelled']);

export async function startTestStack(env: Record<string, string> = {}): Promise<TestStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'inventory-test-'));
  process.env['POWERTOOLS_LOG_LEVEL'] ??= 'ERROR';
  const stack = await startLocalStack({ dataDir, port: 0, persist: false, scheduleEveryMs: false, env });
  const api = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const waitForTask = async (taskId: string, { intervalMs = 100, timeoutMs = 60_000 } = {}) => {
    const seen: TaskSnapshot[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await api<TaskSnapshot>('GET', `/tasks/${taskId}`);
      seen.push(body);
      if (finalStatuses.has(body.status)) return seen;
      if (Date.now() > deadline) throw new Error(`task ${taskId} still ${body.status} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  };
  const registerPlatform = async (vcsim: VcsimInstance, overrides: Record<string, unknown> = {}) => {
    const { status, body } = await api<{ id?: string }>('POST', '/virtualization', {
      name: `vc-${Math.random().toString(36).slice(2, 8)}`,
      type: 'vmware',
      endpoint: vcsim.url,
      username: vcsim.username,
      password: vcsim.password,
      tls: { mode: 'thumbprint', thumbprint: vcsim.thumbprintSha256 },
      ...overrides,
    });
    if (status !== 201 || !body.id) throw new Error(`registering ${vcsim.url} answered ${status}: ${JSON.stringify(body)}`);
    return body.id;
  };
  return {
    stack,
    dataDir,
    api,
    registerPlatform,
    waitForTask,
    stop: async () => {
      await stack.whenIdle();
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
