import type { HostFacts } from '#shared/domain/host.ts';

export type CollectorErrorCode = 'AUTH_FAILED' | 'UNREACHABLE' | 'TIMEOUT' | 'HOST_KEY_CHANGED' | 'COLLECTION_FAILED';

export class CollectorError extends Error {
  readonly code: CollectorErrorCode;
  /** Fingerprint the server presented, when known (e.g. with HOST_KEY_CHANGED). */
  hostKey?: string;
  constructor(code: CollectorErrorCode, message: string) {
    super(message);
    this.name = 'CollectorError';
    this.code = code;
  }
}

export interface RemoteCredential {
  username: string;
  password?: string;
  privateKey?: string;
  passphrase?: string;
}

export interface RemoteTarget {
  address: string;
  port: number;
  credential: RemoteCredential;
  /** 'SHA256:<base64>' as ssh-keygen prints it; absent on first contact */
  pinnedHostKey?: string;
  connectTimeoutMs?: number /* default 10_000 */;
  overallTimeoutMs?: number /* default 60_000 */;
}

export type CollectionResult =
  | { ok: true; facts: HostFacts; hostKey: string }
  | { ok: false; code: CollectorErrorCode; message: string; hostKey?: string };
