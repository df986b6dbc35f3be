import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSshd } from '#local/sshd.ts';
import type { RunningSshd } from '#local/sshd.ts';
import { CollectorError } from '#shared/collectors/collector.ts';
import type { RemoteTarget } from '#shared/collectors/collector.ts';
import { collectLinux } from '#shared/collectors/linux/collect-linux.ts';
import { resetSshStats, runRemoteCommand, sshStats } from '#shared/collectors/ssh/run-command.ts';

const canRun = existsSync('/usr/sbin/sshd') && process.getuid?.() === 0;

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 1));
    });
  });
}

function pgrep(pattern: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return []; // exit 1: no match
  }
}

describe('Linux collector against a real sshd', { skip: !canRun && 'needs root and openssh-server' }, () => {
  let sshd: RunningSshd;
  let pin: string;
  const target = (credential: Partial<RemoteTarget['credential']> = {}, extra: Partial<RemoteTarget> = {}): RemoteTarget => ({
    address: sshd.address,
    port: sshd.port,
    credential: { username: sshd.user.username, ...credential },
    ...extra,
  });

  before(async () => {
    sshd = await startSshd({ port: 0 });
    pin = sshd.hostKeyFingerprint;
  });
  after(async () => {
    await sshd?.stop();
  });

  it('first contact with password auth: facts match the local ground truth, one connection, one exec', async () => {
    resetSshStats();
    const result = await collectLinux(target({ password: sshd.user.password }));
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(sshStats, { connections: 1, execs: 1 });
    assert.equal(result.hostKey, sshd.hostKeyFingerprint);
    assert.match(result.hostKey, /^SHA256:[A-Za-z0-9+/]{43}$/);

    const memTotalKb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
    const prettyName = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    const facts = result.facts;
    assert.equal(facts.kind, 'linux');
    assert.equal(facts.name, readFileSync('/proc/sys/kernel/hostname', 'utf8').trim());
    assert.equal(facts.memoryMb, Math.floor(memTotalKb / 1024));
    assert.equal(facts.cpuCount, Number(execFileSync('nproc', ['--all'], { encoding: 'utf8' }).trim()));
    assert.equal(facts.osName, prettyName);
    assert.equal(facts.facts.kernel, execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim());
    assert.equal(facts.facts.architecture, execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim());
    assert.ok(Array.isArray(facts.facts.filesystems) && facts.facts.filesystems.length > 0);
    assert.equal(typeof facts.facts.uptimeSeconds, 'number');
    assert.equal(facts.facts.warnings, undefined);
  });

  it('private key auth, pinned host key', async () => {
    resetSshStats();
    const result = await collectLinux(target({ privateKey: sshd.user.privateKey }, { pinnedHostKey: pin }));
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(sshStats, { connections: 1, execs: 1 });
  });

  it('encrypted private key with passphrase', async () => {
    const result = await runRemoteCommand(target({ privateKey: sshd.user.encryptedPrivateKey, passphrase: sshd.user.passphrase }), 'id -un');
    assert.equal(result.stdout.trim(), sshd.user.username);
    assert.equal(result.exitCode, 0);
  });

  it('encrypted key with a wrong passphrase -> AUTH_FAILED without leaking secrets', async () => {
    const result = await collectLinux(target({ privateKey: sshd.user.encryptedPrivateKey, passphrase: 'not-it' }));
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.code, 'AUTH_FAILED');
    assert.match(result.message, /passphrase/);
    assert.ok(!result.message.includes('not-it') && !result.message.includes('PRIVATE KEY'));
  });

  it('wrong password -> AUTH_FAILED, password not in the message', async () => {
    const result = await collectLinux(target({ password: 'wrong-password-xyz' }));
    assert.ok(!result.ok);
    assert.equal(result.code, 'AUTH_FAILED');
    assert.ok(!result.message.includes('wrong-password-xyz'));
  });

  it('closed port -> UNREACHABLE quickly', async () => {
    const started = Date.now();
    const result = await collectLinux({ address: '127.0.0.1', port: await closedPort(), credential: { username: 'x', password: 'y' } });
    assert.ok(!result.ok);
    assert.equal(result.code, 'UNREACHABLE');
    assert.match(result.message, /ECONNREFUSED/);
    assert.ok(Date.now() - started < 2000);
  });

  it('a server that never speaks SSH -> UNREACHABLE at the connect timeout', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const addr = silent.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    try {
      const started = Date.now();
      const result = await collectLinux({ address: '127.0.0.1', port, credential: { username: 'x', password: 'y' }, connectTimeoutMs: 500 });
      assert.ok(!result.ok);
      assert.equal(result.code, 'UNREACHABLE');
      assert.ok(Date.now() - started < 3000);
    } finally {
      silent.close();
    }
  });

  it('a hung command -> TIMEOUT at overallTimeoutMs and the remote process is killed', async () => {
    const marker = `sleep 30.${process.pid}${Date.now() % 1000}`;
    const started = Date.now();
    await assert.rejects(
      runRemoteCommand(target({ password: sshd.user.password }, { overallTimeoutMs: 1000 }), marker),
      (err: unknown) => err instanceof CollectorError && err.code === 'TIMEOUT',
    );
    assert.ok(Date.now() - started < 3000);
    // the KILL signal reaches sshd asynchronously: give it a moment
    const deadline = Date.now() + 3000;
    while (pgrep(marker).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(pgrep(marker), [], `remote "${marker}" still running`);
  });

  it('non-zero exit with no script output -> COLLECTION_FAILED with a short stderr excerpt', async () => {
    const long = 'x'.repeat(1000);
    const result = await collectLinux(target({ password: sshd.user.password }), { script: `echo "boom ${long}" >&2; exit 3\n` });
    assert.ok(!result.ok);
    assert.equal(result.code, 'COLLECTION_FAILED');
    assert.match(result.message, /exit 3/);
    assert.match(result.message, /boom x/);
    assert.ok(result.message.length < 300 + 120, `message too long: ${result.message.length}`);
    assert.equal(result.hostKey, sshd.hostKeyFingerprint);
  });

  it('runRemoteCommand reports exit code and stderr', async () => {
    const result = await runRemoteCommand(target({ password: sshd.user.password }), 'echo out; echo boom >&2; exit 3');
    assert.deepEqual([result.stdout, result.stderr, result.exitCode], ['out\n', 'boom\n', 3]);
  });

  it('output above the cap -> COLLECTION_FAILED', async () => {
    await assert.rejects(
      runRemoteCommand(target({ password: sshd.user.password }), 'head -c 200000 /dev/zero', { maxOutputBytes: 50_000 }),
      (err: unknown) => err instanceof CollectorError && err.code === 'COLLECTION_FAILED' && /exceeded/.test(err.message),
    );
  });

  it('changed host key with the old pin -> HOST_KEY_CHANGED, both fingerprints in the message', async () => {
    await sshd.regenerateHostKey();
    assert.notEqual(sshd.hostKeyFingerprint, pin);
    resetSshStats();
    const result = await collectLinux(target({ password: sshd.user.password }, { pinnedHostKey: pin }));
    assert.ok(!result.ok);
    assert.equal(result.code, 'HOST_KEY_CHANGED');
    assert.ok(result.message.includes(pin) && result.message.includes(sshd.hostKeyFingerprint), result.message);
    assert.equal(result.hostKey, sshd.hostKeyFingerprint);
    assert.equal(sshStats.execs, 0, 'nothing runs on a host whose key changed');
    // re-pinning to the new key works
    const ok = await collectLinux(target({ password: sshd.user.password }, { pinnedHostKey: sshd.hostKeyFingerprint }));
    assert.ok(ok.ok);
  });
});
