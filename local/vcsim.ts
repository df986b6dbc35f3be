// Builds and runs the project's vcsim wrapper (local/vcsim/main.go): VMware's vCenter
// simulator from Debian's govmomi sources, for the local stack and the tests.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const projectRoot = join(import.meta.dirname, '..');
const sourceDir = join(import.meta.dirname, 'vcsim');
const binDir = join(projectRoot, '.cache', 'bin');
const goPath = '/usr/share/gocode';
const govmomiDir = join(goPath, 'src', 'github.com', 'vmware', 'govmomi', 'simulator');
/** Building the model takes about 1 ms per VM here: large inventories get time in proportion. */
const minStartTimeoutMs = 120_000;
const startTimeoutPerVmMs = 5;

export interface VcsimOptions {
  /** standalone ESXi hosts per datacenter; each carries `vms` VMs (VPX model) */
  hosts?: number;
  /** clusters per datacenter; each carries `vms` VMs in its root resource pool (VPX model) */
  clusters?: number;
  /** ESXi hosts inside each cluster, they carry no VMs of their own (default 3) */
  clusterHosts?: number;
  /** VMs per standalone host and per cluster; total VMs = vms × (hosts + clusters) */
  vms?: number;
  /** simulate one standalone ESXi host (with `vms` VMs) instead of a vCenter */
  esx?: boolean;
  /** https with a self-signed certificate (default true) */
  tls?: boolean;
  /** RetrievePropertiesEx page size when the client sets no maxObjects (default 100, as vCenter) */
  defaultPageSize?: number;
}

export interface VcsimInstance {
  url: string;
  username: string;
  password: string;
  /** SHA-256 fingerprint of the server certificate, AA:BB:..; empty without TLS */
  thumbprintSha256: string;
  /** the URL with credentials, as the Go tools (vcsimTool) expect it */
  toolUrl: string;
  stop(): Promise<void>;
  /** SIGKILL, to simulate an outage */
  kill(): void;
}

let building: Promise<string> | undefined;

/** Path of the compiled simulator, building it once per source version. */
export function ensureVcsimBinary(): Promise<string> {
  building ??= buildOnce().catch((error: unknown) => {
    building = undefined;
    throw error;
  });
  return building;
}

async function buildOnce(): Promise<string> {
  const source = await readFile(join(sourceDir, 'main.go'));
  const digest = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const binary = join(binDir, `vcsim-${digest}`);
  if (existsSync(binary)) return binary;
  await checkToolchain();
  await mkdir(binDir, { recursive: true });
  // Build to a temporary name so a concurrent or interrupted build never leaves a
  // half-written binary under the final name.
  const partial = `${binary}.${process.pid}.tmp`;
  try {
    await execFileAsync('go', ['build', '-o', partial, '.'], {
      cwd: sourceDir,
      env: { ...process.env, GO111MODULE: 'off', GOPATH: goPath, GOFLAGS: '' },
      maxBuffer: 16 * 1024 * 1024,
    });
    await rename(partial, binary);
  } catch (error) {
    await rm(partial, { force: true });
    throw new Error(`building vcsim failed: ${describe(error)}`, { cause: error });
  }
  return binary;
}

async function checkToolchain(): Promise<void> {
  try {
    await execFileAsync('go', ['version']);
  } catch {
    throw new Error('the Go compiler is missing: install Debian package golang-go (apt-get install golang-go)');
  }
  if (!existsSync(govmomiDir)) {
    throw new Error(
      `govmomi sources are missing at ${govmomiDir}: install golang-github-vmware-govmomi-dev (apt-get install golang-github-vmware-govmomi-dev)`,
    );
  }
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'stderr' in error && typeof error.stderr === 'string' && error.stderr) {
    return error.stderr.trim();
  }
  return error instanceof Error ? error.message : String(error);
}

function serveArgs(opts: VcsimOptions): string[] {
  const args = ['serve', '-l', '127.0.0.1:0', '-exit-on-stdin-eof'];
  if (opts.esx) args.push('-esx');
  if (opts.hosts !== undefined) args.push('-host', String(opts.hosts));
  if (opts.clusters !== undefined) args.push('-cluster', String(opts.clusters));
  if (opts.clusterHosts !== undefined) args.push('-cluster-host', String(opts.clusterHosts));
  if (opts.vms !== undefined) args.push('-vm', String(opts.vms));
  if (opts.defaultPageSize !== undefined) args.push('-default-page-size', String(opts.defaultPageSize));
  args.push(`-tls=${opts.tls ?? true}`);
  return args;
}

/** Starts a simulator and resolves once it printed its connection line. */
export async function startVcsim(opts: VcsimOptions = {}): Promise<VcsimInstance> {
  const binary = await ensureVcsimBinary();
  // stdin stays an open pipe: when this process dies the pipe closes and the
  // simulator exits (-exit-on-stdin-eof), even after a SIGKILL of the parent.
  const child = spawn(binary, serveArgs(opts), { stdio: ['pipe', 'pipe', 'pipe'] });
  trackChild(child);
  const vms = (opts.vms ?? 1) * ((opts.hosts ?? 1) + (opts.clusters ?? 1));
  const info = await readConnectionLine(child, Math.max(minStartTimeoutMs, vms * startTimeoutPerVmMs));
  return toInstance(child, info);
}

interface ConnectionLine {
  url: string;
  username: string;
  password: string;
  thumbprintSha256: string;
}

function readConnectionLine(child: ChildProcess, startTimeoutMs: number): Promise<ConnectionLine> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vcsim did not start within ${startTimeoutMs / 1000} s: ${stderr}`));
    }, startTimeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      lines.close();
      try {
        resolve(JSON.parse(line) as ConnectionLine);
      } catch {
        reject(new Error(`vcsim printed an unexpected line: ${line}`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`vcsim exited (${signal ?? code}) before it was ready: ${stderr}`));
    });
  });
}

function toInstance(child: ChildProcess, info: ConnectionLine): VcsimInstance {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const toolUrl = new URL(info.url);
  toolUrl.username = encodeURIComponent(info.username);
  toolUrl.password = encodeURIComponent(info.password);
  return {
    ...info,
    toolUrl: toolUrl.toString(),
    async stop() {
      // Unref'd at spawn; hold the event loop until the exit actually arrives.
      child.ref();
      child.kill('SIGTERM');
      await exited;
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}

const children = new Set<ChildProcess>();
let exitHookInstalled = false;

function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  // The simulator must never keep the test runner alive on its own.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of children) c.kill('SIGKILL');
  });
}

/**
 * Runs a Go tool subcommand (inventory, vm-destroy, vm-memory, vm-power,
 * session-terminate) and returns its stdout. Pass `-u instance.toolUrl -k`.
 */
export async function vcsimTool(args: string[]): Promise<string> {
  const binary = await ensureVcsimBinary();
  try {
    const { stdout } = await execFileAsync(binary, args, { maxBuffer: 256 * 1024 * 1024, timeout: 300_000 });
    return stdout;
  } catch (error) {
    throw new Error(`vcsim ${args[0] ?? ''} failed: ${describe(error)}`, { cause: error });
  }
}
