import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import type { ClientChannel, ConnectConfig, KeyboardInteractiveCallback } from 'ssh2';
import { CollectorError } from '../collector.ts';
import type { RemoteTarget } from '../collector.ts';

// ssh2 is CommonJS; Node's ESM loader does not see every named export, so use the default export.
const { Client, utils } = ssh2;

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_OVERALL_TIMEOUT_MS = 60_000;
/** stdout + stderr cap: a runaway command must not exhaust the Lambda's memory. */
export const DEFAULT_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

export interface RemoteCommandResult {
  stdout: string;
  stderr: string;
  /** null when the remote side reported no exit status (e.g. killed by a signal). */
  exitCode: number | null;
  /** SHA-256 fingerprint of the host key the server presented, 'SHA256:<base64>'. */
  hostKey: string;
}

export interface RemoteCommandOptions {
  /** Written to the command's stdin, then stdin is closed (e.g. a script for `sh -s`). */
  stdin?: string;
  maxOutputBytes?: number;
}

/**
 * Module-level counters so a benchmark can prove one connection and one exec per
 * host. Reset with resetSshStats().
 */
export const sshStats = { connections: 0, execs: 0 };
export function resetSshStats(): void {
  sshStats.connections = 0;
  sshStats.execs = 0;
}

/** The fingerprint as `ssh-keygen -l -E sha256` prints it: base64 without padding. */
export function sshFingerprint(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicKeyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Compares fingerprints, tolerating a missing 'SHA256:' prefix or base64 padding. */
function sameFingerprint(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().replace(/^SHA256:/i, '').replace(/=+$/, '');
  return norm(a) === norm(b);
}

interface Ssh2Error extends Error {
  level?: string;
  code?: string;
}

/**
 * Opens exactly one SSH connection, runs exactly one `exec`, and closes.
 *
 * Error mapping (CollectorError.code):
 * - host key differs from target.pinnedHostKey -> HOST_KEY_CHANGED (nothing is sent after the key exchange)
 * - authentication rejected, or the private key cannot be parsed / decrypted -> AUTH_FAILED
 * - connection refused, no route, DNS failure, or no SSH handshake within the
 *   connect timeout -> UNREACHABLE (a host that never answers is unreachable, not slow)
 * - overall timeout (connect + command) -> TIMEOUT; the remote command is sent
 *   SIGKILL, the channel and the connection are closed
 * - output above the cap or any other failure -> COLLECTION_FAILED
 * Messages never contain passwords, keys or passphrases.
 */
export function runRemoteCommand(target: RemoteTarget, command: string, options: RemoteCommandOptions = {}): Promise<RemoteCommandResult> {
  const connectTimeoutMs = target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const overallTimeoutMs = target.overallTimeoutMs ?? DEFAULT_OVERALL_TIMEOUT_MS;
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const where = `${target.address}:${target.port}`;
  const { credential } = target;

  // Parse up front so a bad key or passphrase is an AUTH_FAILED with a clear
  // message instead of a throw from inside ssh2 (which only accepts string/Buffer keys).
  const privateKey = credential.privateKey !== undefined && credential.privateKey !== '' ? credential.privateKey : undefined;
  if (privateKey !== undefined) {
    const parsed = utils.parseKey(privateKey, credential.passphrase);
    if (parsed instanceof Error) {
      const encrypted = /encrypted|passphrase|bad decrypt/i.test(parsed.message);
      return Promise.reject(
        new CollectorError(
          'AUTH_FAILED',
          encrypted
            ? 'private key could not be decrypted: missing or wrong passphrase'
            : 'private key could not be parsed: unsupported or malformed key',
        ),
      );
    }
  }

  return new Promise<RemoteCommandResult>((resolve, reject) => {
    const client = new Client();
    let hostKey: string | undefined;
    let hostKeyRejected = false;
    let channel: ClientChannel | undefined;
    let settled = false;
    let connected = false;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let outputBytes = 0;

    const finish = (error: CollectorError | undefined, result?: RemoteCommandResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(overallTimer);
      if (error) {
        if (channel) {
          // Let the KILL signal and the channel close reach sshd before the socket goes.
          killChannel();
          client.end();
          setTimeout(() => client.destroy(), 2000).unref();
        } else {
          client.destroy();
        }
        if (hostKey !== undefined) error.hostKey = hostKey;
        reject(error);
      } else {
        client.end();
        resolve(result as RemoteCommandResult);
      }
    };

    const killChannel = () => {
      if (!channel) return;
      try {
        sendKill(channel);
      } catch {
        // channel already gone
      }
      try {
        channel.close();
      } catch {
        // channel already gone
      }
    };

    const overallTimer = setTimeout(() => {
      finish(new CollectorError('TIMEOUT', `${where}: no result within ${overallTimeoutMs} ms${connected ? '; remote command killed' : ''}`));
    }, overallTimeoutMs);

    client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, answer: KeyboardInteractiveCallback) => {
      // Answer every prompt with the password (typical PAM "Password:" prompt).
      answer(prompts.map(() => credential.password ?? ''));
    });

    client.on('error', (err: Ssh2Error) => {
      finish(mapError(err, where, connectTimeoutMs, hostKeyRejected, hostKey, target.pinnedHostKey));
    });

    client.on('close', () => {
      if (!settled) finish(new CollectorError(connected ? 'COLLECTION_FAILED' : 'UNREACHABLE', `${where}: connection closed unexpectedly`));
    });

    client.on('ready', () => {
      if (settled) return; // timed out during authentication
      connected = true;
      sshStats.execs += 1;
      client.exec(command, (err, ch) => {
        if (err) {
          finish(new CollectorError('COLLECTION_FAILED', `${where}: exec refused: ${err.message}`));
          return;
        }
        channel = ch;
        if (settled) {
          killChannel();
          return;
        }
        let exitCode: number | null = null;
        const onData = (into: Buffer[]) => (chunk: Buffer) => {
          outputBytes += chunk.length;
          if (outputBytes > maxOutputBytes) {
            finish(new CollectorError('COLLECTION_FAILED', `${where}: output exceeded ${maxOutputBytes} bytes; command killed`));
            return;
          }
          into.push(chunk);
        };
        ch.on('data', onData(stdout));
        ch.stderr.on('data', onData(stderr));
        ch.on('exit', (code: number | null) => {
          exitCode = typeof code === 'number' ? code : null;
        });
        ch.on('close', () => {
          finish(undefined, {
            stdout: Buffer.concat(stdout).toString('utf8'),
            stderr: Buffer.concat(stderr).toString('utf8'),
            exitCode,
            hostKey: hostKey ?? '',
          });
        });
        if (options.stdin !== undefined) ch.end(options.stdin);
        else ch.end();
      });
    });

    const config: ConnectConfig = {
      host: target.address,
      port: target.port,
      username: credential.username,
      readyTimeout: connectTimeoutMs,
      tryKeyboard: credential.password !== undefined,
      hostVerifier: (key: Buffer) => {
        hostKey = sshFingerprint(key);
        if (target.pinnedHostKey !== undefined && target.pinnedHostKey !== '' && !sameFingerprint(hostKey, target.pinnedHostKey)) {
          hostKeyRejected = true;
          return false;
        }
        return true;
      },
    };
    if (credential.password !== undefined) config.password = credential.password;
    if (privateKey !== undefined) {
      config.privateKey = privateKey;
      if (credential.passphrase !== undefined) config.passphrase = credential.passphrase;
    }

    sshStats.connections += 1;
    try {
      client.connect(config);
    } catch (err) {
      finish(new CollectorError('COLLECTION_FAILED', `${where}: ${(err as Error).message}`));
    }
  });
}

/**
 * Sends the SSH 'signal' request KILL. OpenSSH answers it with killpg() on the
 * command's process group, so `sh -c` trees die too. ssh2 1.17 only sends it
 * while the channel is writable, i.e. before we sent EOF on stdin, which we
 * always do; so past EOF we use the protocol object behind the channel (the
 * request is legal on any open channel, RFC 4254 section 6.9). The collector
 * tests check that the remote process is really gone.
 */
function sendKill(ch: ClientChannel): void {
  if (ch.writable) {
    ch.signal('KILL');
    return;
  }
  const internal = ch as unknown as {
    outgoing?: { id?: number; state?: string };
    _client?: { _protocol?: { signal?: (id: number, name: string) => void } };
  };
  const id = internal.outgoing?.id;
  const protocol = internal._client?._protocol;
  const state = internal.outgoing?.state;
  if ((state === 'open' || state === 'eof') && typeof id === 'number' && typeof protocol?.signal === 'function') {
    protocol.signal(id, 'KILL');
  }
}

function mapError(
  err: Ssh2Error,
  where: string,
  connectTimeoutMs: number,
  hostKeyRejected: boolean,
  hostKey: string | undefined,
  pinned: string | undefined,
): CollectorError {
  if (hostKeyRejected) {
    return new CollectorError(
      'HOST_KEY_CHANGED',
      `${where}: host key changed: pinned ${pinned ?? '(none)'}, presented ${hostKey ?? '(unknown)'}; refusing to connect`,
    );
  }
  if (err.level === 'client-authentication') {
    return new CollectorError('AUTH_FAILED', `${where}: authentication failed (${err.message})`);
  }
  if (err.level === 'client-timeout') {
    return new CollectorError('UNREACHABLE', `${where}: no SSH handshake within ${connectTimeoutMs} ms`);
  }
  if (err.level === 'client-socket' || err.code !== undefined) {
    const code = err.code ?? 'socket error';
    return new CollectorError('UNREACHABLE', `${where}: ${code}${err.code && err.message.includes(err.code) ? '' : `: ${err.message}`}`);
  }
  return new CollectorError('COLLECTION_FAILED', `${where}: ${err.message}`);
}
