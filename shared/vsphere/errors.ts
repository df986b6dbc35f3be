// Typed errors of the vSphere client. Messages are written for an operator reading a
// task's failure list; they never contain the password or the session cookie.

export type VsphereErrorCode =
  | 'AUTH_FAILED'
  | 'UNREACHABLE'
  | 'TIMEOUT'
  | 'TLS_THUMBPRINT_MISMATCH'
  | 'TLS_UNTRUSTED'
  | 'NOT_AUTHENTICATED'
  | 'VSPHERE_FAULT';

export class VsphereError extends Error {
  readonly code: VsphereErrorCode;
  /** vSphere fault type (InvalidLogin, NotAuthenticated, ManagedObjectNotFound...) when the server sent one */
  readonly faultType: string | undefined;

  constructor(code: VsphereErrorCode, message: string, options: { faultType?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VsphereError';
    this.code = code;
    this.faultType = options.faultType;
  }
}

/** Raised inside our TLS socket factory; classified later without string matching. */
export class ThumbprintMismatchError extends Error {
  readonly code = 'VSPHERE_TLS_THUMBPRINT_MISMATCH';
}

/** Raised inside our TLS socket factory when verify mode rejects the certificate. */
export class CertificateUntrustedError extends Error {
  readonly code = 'VSPHERE_TLS_UNTRUSTED';
}

/** Raised when the TCP connect plus TLS handshake exceed the connect timeout. */
export class ConnectTimeoutError extends Error {
  readonly code = 'VSPHERE_CONNECT_TIMEOUT';
}

/** A SOAP fault as sent by vCenter: the fault type and its faultstring. */
export interface SoapFault {
  faultType: string;
  message: string;
}

const unreachableCodes = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ERR_SOCKET_CLOSED',
]);

const untrustedCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Walks an error and its causes (axios wraps socket errors) to find the first `code`. */
export function errorChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && chain.length < 8) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

function codesOf(error: unknown): string[] {
  return errorChain(error)
    .map((e) => (e as { code?: unknown }).code)
    .filter((c): c is string => typeof c === 'string');
}

/** Reads the fault type from node-soap's parsed `Envelope.Body.Fault`. */
export function soapFaultOf(error: unknown): SoapFault | undefined {
  const root = (error as { root?: { Envelope?: { Body?: { Fault?: unknown } } } } | null)?.root;
  const fault = root?.Envelope?.Body?.Fault as { faultstring?: unknown; detail?: unknown } | undefined;
  if (!fault) return undefined;
  const message = typeof fault.faultstring === 'string' ? fault.faultstring : '';
  return { faultType: faultTypeOfDetail(fault.detail) ?? 'Unknown', message };
}

function faultTypeOfDetail(detail: unknown): string | undefined {
  if (!detail || typeof detail !== 'object') return undefined;
  const [name, body] = Object.entries(detail)[0] ?? [];
  if (!name) return undefined;
  const attributes = (body as { attributes?: Record<string, unknown> } | undefined)?.attributes ?? {};
  for (const [key, value] of Object.entries(attributes)) {
    if (key.split(':').pop() === 'type' && key.includes(':') && typeof value === 'string') {
      return value.split(':').pop();
    }
  }
  return name.replace(/Fault$/, '');
}

export function faultToError(fault: SoapFault, endpoint: string, operation: string): VsphereError {
  const host = hostOf(endpoint);
  if (fault.faultType === 'InvalidLogin') {
    return new VsphereError('AUTH_FAILED', `vCenter ${host} rejected the user name or password`, {
      faultType: fault.faultType,
    });
  }
  if (fault.faultType === 'NotAuthenticated') {
    return new VsphereError('NOT_AUTHENTICATED', `the session with ${host} is no longer valid (${operation})`, {
      faultType: fault.faultType,
    });
  }
  const detail = fault.message ? `: ${fault.message}` : '';
  return new VsphereError('VSPHERE_FAULT', `${host} answered ${operation} with fault ${fault.faultType}${detail}`, {
    faultType: fault.faultType,
  });
}

export interface TransportContext {
  endpoint: string;
  operation: string;
  timedOut: boolean;
  timeoutMs: number;
  pinnedThumbprint?: string;
}

/** Classifies a failed HTTP exchange that carried no SOAP fault. */
export function transportToError(error: unknown, ctx: TransportContext): VsphereError {
  const host = hostOf(ctx.endpoint);
  const codes = codesOf(error);
  const mismatch = errorChain(error).find((e) => e instanceof ThumbprintMismatchError);
  if (mismatch) {
    return new VsphereError('TLS_THUMBPRINT_MISMATCH', (mismatch as Error).message, { cause: error });
  }
  if (ctx.timedOut) {
    return new VsphereError('TIMEOUT', `${host} did not answer ${ctx.operation} within ${ctx.timeoutMs / 1000} s`, {
      cause: error,
    });
  }
  if (codes.includes('VSPHERE_CONNECT_TIMEOUT')) {
    return new VsphereError('TIMEOUT', `could not connect to ${host}: ${firstMessage(error)}`, { cause: error });
  }
  const rejected = errorChain(error).find((e) => e instanceof CertificateUntrustedError) as Error | undefined;
  const untrusted = rejected?.message ?? codes.find((c) => untrustedCodes.has(c));
  if (untrusted) {
    return new VsphereError(
      'TLS_UNTRUSTED',
      `the certificate of ${host} is not trusted (${untrusted}); add its CA to INVENTORY_CA_BUNDLE or pin its SHA-256 thumbprint`,
      { cause: error },
    );
  }
  const unreachable = codes.find((c) => unreachableCodes.has(c));
  if (unreachable || isSocketHangUp(error)) {
    return new VsphereError('UNREACHABLE', `cannot reach ${host} (${unreachable ?? 'connection closed'})`, {
      cause: error,
    });
  }
  const status = (error as { response?: { status?: number } } | null)?.response?.status;
  const what = status ? `HTTP ${status}` : firstMessage(error);
  return new VsphereError('VSPHERE_FAULT', `${host} failed ${ctx.operation}: ${what}`, { cause: error });
}

function isSocketHangUp(error: unknown): boolean {
  return errorChain(error).some((e) => e instanceof Error && /socket hang up|ECONNRESET/i.test(e.message));
}

function firstMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return endpoint;
  }
}
