/**
 * A throwaway OpenSSH server on loopback for tests and benchmarks: Debian's
 * /usr/sbin/sshd run in the foreground with a generated config, ed25519 host
 * key, and a local user reachable by password, a private key, or an
 * encrypted private key. Must run as root (it creates the user and reads shadow).
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SSHD_BINARY = '/usr/sbin/sshd';
const DEFAULT_USERNAME = 'inventory-ssh-test';
/** Local test account on loopback only; fixed so concurrent harnesses agree on it. */
const DEFAULT_PASSWORD = 'inventory-Loopback-Test-1';

export interface SshdOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  listenAddress?: '127.0.0.1';
  /**
   * More loopback addresses (127.x.y.z) served on the same port, so one sshd
   * stands in for several distinct hosts. sshd listens on at most 16 sockets.
   */
  extraListenAddresses?: string[];
  username?: string;
  password?: string;
}

export interface SshdUser {
  username: string;
  password: string;
  /** OpenSSH PEM, unencrypted. */
  privateKey: string;
  /** OpenSSH PEM encrypted with `passphrase`. */
  encryptedPrivateKey: string;
  passphrase: string;
}

export interface RunningSshd {
  port: number;
  address: string;
  /** 'SHA256:...' of the current ed25519 host key (changes after regenerateHostKey). */
  hostKeyFingerprint: string;
  user: SshdUser;
  stop(): Promise<void>;
  /** Generates a new host key and restarts sshd on the same port. */
  regenerateHostKey(): Promise<void>;
}

async function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function ensureUser(username: string, password: string): Promise<void> {
  const exists = await run('id', ['-u', username]).then(
    () => true,
    () => false,
  );
  if (!exists) {
    try {
      await run('useradd', ['-m', '-s', '/bin/sh', username]);
    } catch (err) {
      // 9 = already exists (another harness created it concurrently)
      if ((err as { code?: number }).code !== 9) throw err;
    }
  }
  await new Promise<void>((resolve, reject) => {
    const child = spawn('chpasswd', [], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`chpasswd failed: ${stderr.trim()}`))));
    child.stdin.end(`${username}:${password}\n`);
  });
}

async function generateKey(path: string, passphrase: string, comment: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}.pub`, { force: true });
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', comment, '-f', path]);
}

async function fingerprintOf(publicKeyPath: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyPath]);
  const fp = /(SHA256:\S+)/.exec(stdout)?.[1];
  if (!fp) throw new Error(`cannot read fingerprint of ${publicKeyPath}`);
  return fp;
}

/** Kill every sshd we started if the test process exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export async function startSshd(options: SshdOptions = {}): Promise<RunningSshd> {
  if (!existsSync(SSHD_BINARY)) throw new Error(`${SSHD_BINARY} not found: install Debian package openssh-server`);
  const address = options.listenAddress ?? '127.0.0.1';
  if ((options.extraListenAddresses ?? []).some((extra) => !extra.startsWith('127.'))) throw new Error('sshd test hosts listen on loopback addresses only');
  if ((options.extraListenAddresses ?? []).length > 15) throw new Error('sshd listens on at most 16 addresses');
  const username = options.username ?? DEFAULT_USERNAME;
  const password = options.password ?? DEFAULT_PASSWORD;
  const passphrase = 'inventory-key-passphrase';

  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(join(tmpdir(), 'inventory-sshd-'));
  // sshd reads AuthorizedKeysFile as the target user: the directory must be traversable.
  await chmod(dir, 0o755);
  await ensureUser(username, password);

  const hostKeyPath = join(dir, 'ssh_host_ed25519_key');
  const userKeyPath = join(dir, 'user_ed25519');
  const userEncKeyPath = join(dir, 'user_ed25519_enc');
  await Promise.all([
    generateKey(hostKeyPath, '', 'inventory-test-host'),
    generateKey(userKeyPath, '', 'inventory-test-user'),
    generateKey(userEncKeyPath, passphrase, 'inventory-test-user-enc'),
  ]);
  const authorizedKeys = join(dir, 'authorized_keys');
  const pubs = await Promise.all([readFile(`${userKeyPath}.pub`, 'utf8'), readFile(`${userEncKeyPath}.pub`, 'utf8')]);
  await writeFile(authorizedKeys, pubs.join(''), { mode: 0o644 });

  const port = options.port && options.port > 0 ? options.port : await freePort(address);
  const configPath = join(dir, 'sshd_config');
  const baseConfig = [
    `Port ${port}`,
    ...[address, ...(options.extraListenAddresses ?? [])].map((listen) => `ListenAddress ${listen}`),
    `HostKey ${hostKeyPath}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    'UsePAM no',
    'PasswordAuthentication yes',
    'PubkeyAuthentication yes',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    `AllowUsers ${username}`,
    'StrictModes no',
    'MaxStartups 500',
    'MaxSessions 100',
    'MaxAuthTries 20',
    'LoginGraceTime 30',
    'UseDNS no',
    'PrintMotd no',
    'LogLevel ERROR',
  ];
  // OpenSSH >= 9.8 penalises sources with failed logins: off for the benchmark's bursts.
  await writeFile(configPath, [...baseConfig, 'PerSourcePenalties no', ''].join('\n'));
  const check = await run(SSHD_BINARY, ['-t', '-f', configPath]).then(
    () => true,
    () => false,
  );
  if (!check) {
    await writeFile(configPath, [...baseConfig, ''].join('\n'));
    await run(SSHD_BINARY, ['-t', '-f', configPath]);
  }

  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    // setpriv --pdeathsig: the kernel kills sshd even if this process dies by SIGKILL.
    const usePdeath = existsSync('/usr/bin/setpriv');
    const [cmd, args] = usePdeath
      ? ['/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', SSHD_BINARY, '-D', '-e', '-f', configPath]]
      : [SSHD_BINARY, ['-D', '-e', '-f', configPath]];
    const proc = spawn(cmd as string, args as string[], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    live.add(proc);
    installExitHook();
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString();
    });
    proc.on('exit', () => live.delete(proc));
    // -D keeps sshd in the foreground; it is ready once the port accepts connections.
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`sshd exited: ${stderr.trim().slice(0, 500)}`);
      if (await canConnect(address, port)) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`sshd did not listen on ${address}:${port} within 10 s: ${stderr.trim().slice(0, 500)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const halt = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  const [privateKey, encryptedPrivateKey, hostKeyFingerprint] = await Promise.all([
    readFile(userKeyPath, 'utf8'),
    readFile(userEncKeyPath, 'utf8'),
    fingerprintOf(`${hostKeyPath}.pub`),
  ]);

  const server: RunningSshd = {
    port,
    address,
    hostKeyFingerprint,
    user: { username, password, privateKey, encryptedPrivateKey, passphrase },
    async stop() {
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
    async regenerateHostKey() {
      await halt();
      await generateKey(hostKeyPath, '', 'inventory-test-host');
      server.hostKeyFingerprint = await fingerprintOf(`${hostKeyPath}.pub`);
      await launch();
    },
  };
  return server;
}

async function canConnect(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(1000, () => done(false));
  });
}
