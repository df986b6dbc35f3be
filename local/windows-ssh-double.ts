// A test double of a Windows OpenSSH server, built on ssh2's Server.
//
// There is no Windows machine in the test bed, so this stands in for one: it speaks real
// SSH (key exchange, host key, password and public-key authentication, one exec per
// session) on 127.0.0.1, and answers the Windows collector's exact PowerShell command
// with a recorded `Get-CimInstance` JSON output (test/fixtures/windows/*.json). Any other
// command gets cmd.exe's "is not recognized" answer, as Windows OpenSSH's default shell
// would give. It runs no PowerShell; it only replays what PowerShell printed.
//
// Behaviours, switchable between collections through `behaviour`:
// - 'answer'  : the recorded JSON on stdout, exit status 0
// - 'hang'    : accept the exec and never answer (for overall-timeout tests)
// - 'fail'    : exit status 1 with a CLIXML stderr, as powershell.exe writes it when a
//               terminating error escapes the script (here: Constrained Language mode)
// - 'garbage' : exit status 0 with stdout that is not JSON

import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { Connection, ParsedKey } from 'ssh2';

// ssh2 is CommonJS and Node's named-export detection misses `Server` and `utils`.
const { Server, utils } = ssh2;

export type WindowsDoubleBehaviour = 'answer' | 'hang' | 'fail' | 'garbage';

export interface WindowsSshDoubleOptions {
  username: string;
  /** Accepted password; absent means password authentication always fails. */
  password?: string;
  /** Accepted public key, as an authorized_keys line ("ssh-ed25519 AAAA... comment"). */
  authorizedKey?: string;
  /** The exact command line the double answers (the collector's command). */
  expectedCommand: string;
  /** What `answer` prints on stdout: a recorded output of that command. */
  stdout: string;
  behaviour?: WindowsDoubleBehaviour;
}

export interface WindowsSshDouble {
  port: number;
  /** The host key's fingerprint as `ssh-keygen -l` prints it: 'SHA256:<base64, no padding>'. */
  hostKeyFingerprint: string;
  behaviour: WindowsDoubleBehaviour;
  /** Replaces the recorded stdout for the next collections. */
  stdout: string;
  readonly connectionCount: number;
  readonly execCount: number;
  /** Commands received, in order (for assertions on what the collector sent). */
  readonly commands: readonly string[];
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Keys. ssh2 reads Ed25519 private keys only in OpenSSH's own format, which node:crypto
// cannot export (it offers PKCS#8 PEM, which ssh2 accepts only for RSA/DSA/EC keys). The
// format is simple enough to write: see PROTOCOL.key in the OpenSSH sources.

function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

export interface OpenSshKeyPair {
  /** "-----BEGIN OPENSSH PRIVATE KEY-----" PEM, unencrypted. */
  privateKey: string;
  /** authorized_keys line: "ssh-ed25519 <base64> <comment>". */
  publicKey: string;
  /** 'SHA256:<base64, no padding>' */
  fingerprint: string;
}

/** A fresh Ed25519 key pair in the formats ssh2 and OpenSSH read. */
export function generateEd25519OpenSsh(comment = 'windows-ssh-double'): OpenSshKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwkPublic = publicKey.export({ format: 'jwk' });
  const jwkPrivate = privateKey.export({ format: 'jwk' });
  const pub = Buffer.from(jwkPublic.x ?? '', 'base64url');
  const seed = Buffer.from(jwkPrivate.d ?? '', 'base64url');
  const publicBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);

  const check = randomBytes(4);
  let privateSection = Buffer.concat([
    check,
    check,
    sshString('ssh-ed25519'),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ]);
  const padding: number[] = [];
  for (let i = 1; (privateSection.length + padding.length) % 8 !== 0; i += 1) padding.push(i);
  privateSection = Buffer.concat([privateSection, Buffer.from(padding)]);

  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(publicBlob),
    sshString(privateSection),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `ssh-ed25519 ${publicBlob.toString('base64')} ${comment}`,
    fingerprint: `SHA256:${createHash('sha256').update(publicBlob).digest('base64').replace(/=+$/, '')}`,
  };
}

function parsedKey(text: string, what: string): ParsedKey {
  const parsed = utils.parseKey(text);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined || key instanceof Error) throw new Error(`windows-ssh-double: cannot parse ${what}`);
  return key;
}

// ---------------------------------------------------------------------------
// Canned answers

/** powershell.exe's stderr when a terminating error escapes the script (CLIXML, CRLF). */
export const clixmlFailureStderr =
  '#< CLIXML\r\n' +
  '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">' +
  '<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN>' +
  '<MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first use.</AV><AI>0</AI><Nil />' +
  '<PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj>' +
  '<S S="Error">Cannot invoke method. Method invocation is supported only on core types in this language mode._x000D__x000A_</S>' +
  '<S S="Error">At line:12 char:1_x000D__x000A_</S>' +
  '<S S="Error">+ [Console]::Out.Write($j)_x000D__x000A_</S>' +
  '<S S="Error">+ ~~~~~~~~~~~~~~~~~~~~~~~~_x000D__x000A_</S>' +
  '<S S="Error">    + CategoryInfo          : InvalidOperation: (:) [], RuntimeException_x000D__x000A_</S>' +
  '<S S="Error">    + FullyQualifiedErrorId : MethodInvocationNotSupportedInConstrainedLanguage_x000D__x000A_</S>' +
  '<S S="Error"> _x000D__x000A_</S>' +
  '</Objs>';

/** What a misconfigured host might print instead of JSON (a profile echo, a banner). */
export const garbageStdout = 'Windows PowerShell\r\nCopyright (C) Microsoft Corporation. All rights reserved.\r\n\r\nWARNING: inventory agent not licensed\r\n';

function notRecognized(command: string): string {
  const word = command.trim().split(/\s+/)[0] ?? '';
  return `'${word}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n`;
}

// ---------------------------------------------------------------------------
// Server

/** Starts the double on 127.0.0.1 with a fresh Ed25519 host key. */
export async function startWindowsSshDouble(options: WindowsSshDoubleOptions): Promise<WindowsSshDouble> {
  const hostKey = generateEd25519OpenSsh('windows-ssh-double-host');
  const allowedKey = options.authorizedKey === undefined ? undefined : parsedKey(options.authorizedKey, 'authorizedKey');
  const clients = new Set<Connection>();
  const commands: string[] = [];
  let connectionCount = 0;
  let execCount = 0;

  const state = {
    behaviour: options.behaviour ?? ('answer' as WindowsDoubleBehaviour),
    stdout: options.stdout,
  };

  const server = new Server({ hostKeys: [hostKey.privateKey] }, (client) => {
    connectionCount += 1;
    clients.add(client);
    client.on('close', () => clients.delete(client));
    // A client that gives up (timeout, wrong host key) resets the socket: not our failure.
    client.on('error', () => undefined);

    client.on('authentication', (ctx) => {
      if (ctx.username !== options.username) {
        ctx.reject(['password', 'publickey']);
        return;
      }
      if (ctx.method === 'password') {
        if (options.password !== undefined && ctx.password === options.password) ctx.accept();
        else ctx.reject(['password', 'publickey']);
        return;
      }
      if (ctx.method === 'publickey' && allowedKey !== undefined) {
        const sameKey = ctx.key.algo === allowedKey.type && ctx.key.data.equals(allowedKey.getPublicSSH());
        if (!sameKey) {
          ctx.reject(['password', 'publickey']);
          return;
        }
        // Without a signature the client only asks whether the key would do.
        if (ctx.signature === undefined || ctx.blob === undefined) {
          ctx.accept();
          return;
        }
        if (allowedKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) ctx.accept();
        else ctx.reject(['password', 'publickey']);
        return;
      }
      ctx.reject(['password', 'publickey']);
    });

    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (acceptExec, _reject, info) => {
          execCount += 1;
          commands.push(info.command);
          const channel = acceptExec();
          if (info.command !== options.expectedCommand) {
            channel.stderr.write(notRecognized(info.command));
            channel.exit(1);
            channel.end();
            return;
          }
          switch (state.behaviour) {
            case 'hang':
              return;
            case 'fail':
              channel.stderr.write(clixmlFailureStderr);
              channel.exit(1);
              channel.end();
              return;
            case 'garbage':
              channel.write(garbageStdout);
              channel.exit(0);
              channel.end();
              return;
            case 'answer':
              channel.write(state.stdout);
              channel.exit(0);
              channel.end();
              return;
          }
        });
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    hostKeyFingerprint: hostKey.fingerprint,
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(value: WindowsDoubleBehaviour) {
      state.behaviour = value;
    },
    get stdout() {
      return state.stdout;
    },
    set stdout(value: string) {
      state.stdout = value;
    },
    get connectionCount() {
      return connectionCount;
    },
    get execCount() {
      return execCount;
    },
    get commands() {
      return commands;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const client of clients) client.end();
        server.close(() => resolve());
      }),
  };
}
