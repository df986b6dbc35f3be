// Per-client HTTP(S) agents: certificate policy and connect timeout live here, never
// in process-wide settings (NODE_TLS_REJECT_UNAUTHORIZED stays untouched).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { CertificateUntrustedError, ConnectTimeoutError, ThumbprintMismatchError } from './errors.ts';

export type TlsMode = 'verify' | 'thumbprint' | 'insecure';

export interface TlsSettings {
  mode: TlsMode;
  /** SHA-256 fingerprint of the server certificate (hex, colons optional, any case); thumbprint mode only */
  thumbprint?: string;
}

/** Canonical form AA:BB:..., the form Node reports in `fingerprint256`. */
export function normalizeThumbprint(thumbprint: string): string {
  const hex = thumbprint.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  if (hex.length !== 64) {
    throw new Error('a SHA-256 certificate thumbprint has 64 hex digits');
  }
  return hex.match(/../g)!.join(':');
}

/** System CAs plus the PEM bundle named by INVENTORY_CA_BUNDLE, read once per agent. */
export function trustedCertificates(): string[] {
  const cas = new Set([...tls.getCACertificates('default'), ...tls.getCACertificates('system')]);
  const bundle = process.env.INVENTORY_CA_BUNDLE;
  if (bundle) cas.add(readFileSync(bundle, 'utf8'));
  return [...cas];
}

type Callback = (error: Error | null, socket?: net.Socket) => void;

export interface AgentOptions {
  endpoint: string;
  tls: TlsSettings;
  connectTimeoutMs: number;
}

/**
 * An agent whose sockets are handed to HTTP only once connected and, for HTTPS, once
 * the certificate passed our policy. Checking the pinned thumbprint before HTTP sees
 * the socket guarantees that not one byte of a request (a Login password) reaches an
 * impostor.
 */
export function createAgent(options: AgentOptions): http.Agent {
  const secure = new URL(options.endpoint).protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const connect = secure ? tlsConnector(options) : tcpConnector(options);
  (agent as unknown as { createConnection: unknown }).createConnection = (
    connectOptions: net.NetConnectOpts & tls.ConnectionOptions,
    callback: Callback,
  ): undefined => {
    connect(connectOptions, callback);
    return undefined;
  };
  return agent;
}

function tcpConnector(options: AgentOptions) {
  return (connectOptions: net.NetConnectOpts, callback: Callback): void => {
    const socket = net.connect(connectOptions);
    whenReady(socket, 'connect', options.connectTimeoutMs, callback, () => undefined);
  };
}

function tlsConnector(options: AgentOptions) {
  const settings = options.tls;
  const pinned = settings.mode === 'thumbprint' ? normalizeThumbprint(settings.thumbprint ?? '') : undefined;
  const verify = settings.mode === 'verify';
  const ca = verify ? trustedCertificates() : undefined;
  return (connectOptions: tls.ConnectionOptions, callback: Callback): void => {
    const socket = tls.connect({
      ...connectOptions,
      ...(ca ? { ca } : {}),
      // Verification is judged in checkVerified, after the handshake, so that every
      // reason (unknown CA, weak key, wrong host name) maps to one typed error.
      // Pinning replaces chain and host name checks; insecure skips them on purpose.
      rejectUnauthorized: false,
    });
    whenReady(socket, 'secureConnect', options.connectTimeoutMs, callback, () => {
      if (pinned) return checkPinned(socket, pinned);
      return verify ? checkVerified(socket) : undefined;
    });
  };
}

/** Node ran chain and host name checks during the handshake and recorded the verdict. */
function checkVerified(socket: tls.TLSSocket): Error | undefined {
  if (socket.authorized) return undefined;
  return new CertificateUntrustedError(String(socket.authorizationError ?? 'certificate not verified'));
}

function checkPinned(socket: tls.TLSSocket, pinned: string): Error | undefined {
  const actual = socket.getPeerCertificate().fingerprint256;
  if (actual === pinned) return undefined;
  return new ThumbprintMismatchError(
    `certificate thumbprint ${actual || '(none)'} of ${socket.remoteAddress ?? 'the server'} does not match the pinned ${pinned}`,
  );
}

function whenReady(
  socket: net.Socket,
  readyEvent: 'connect' | 'secureConnect',
  timeoutMs: number,
  callback: Callback,
  check: () => Error | undefined,
): void {
  let settled = false;
  const settle = (error: Error | null) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.off('error', settle);
    if (error) {
      socket.destroy();
      callback(error);
    } else {
      callback(null, socket);
    }
  };
  const timer = setTimeout(
    () => settle(new ConnectTimeoutError(`no connection within ${timeoutMs / 1000} s`)),
    timeoutMs,
  );
  socket.once('error', settle);
  socket.once(readyEvent, () => settle(check() ?? null));
}
