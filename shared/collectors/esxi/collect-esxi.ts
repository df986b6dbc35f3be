import { connect as tlsConnect } from 'node:tls';
import { discover, retrieveRecords, VsphereClient, VsphereError } from '#shared/vsphere/index.ts';
import { toHostFacts } from '#shared/sync/host-facts.ts';
import { toPlatformHostRecord } from '#shared/sync/platform-inventory.ts';
import { CollectorError, type CollectionResult, type CollectorErrorCode, type RemoteTarget } from '../collector.ts';

const httpsPort = 443;

/**
 * ESXi direct: the vSphere collector pointed at one standalone host. Its
 * certificate is self-signed as a rule, so it is trusted on first use like an
 * SSH host key: the SHA-256 fingerprint is pinned on first contact and a later
 * change fails the host with HOST_KEY_CHANGED.
 */
export async function collectEsxi(target: RemoteTarget): Promise<CollectionResult> {
  // Remote hosts default to port 22; an ESXi host answers vSphere on 443.
  const port = target.port === 22 ? httpsPort : target.port;
  const connectTimeoutMs = target.connectTimeoutMs ?? 10_000;
  let thumbprint: string;
  try {
    thumbprint = await certificateThumbprint(target.address, port, connectTimeoutMs);
  } catch (error) {
    return failed('UNREACHABLE', `${target.address}:${port} is unreachable: ${(error as Error).message}`);
  }
  const hostKey = `SHA256-TLS:${thumbprint}`;
  if (target.pinnedHostKey && target.pinnedHostKey !== hostKey) {
    return { ...failed('HOST_KEY_CHANGED', `the certificate of ${target.address} changed: pinned ${target.pinnedHostKey}, presented ${hostKey}`), hostKey };
  }
  const client = new VsphereClient({
    endpoint: `https://${target.address.includes(':') ? `[${target.address}]` : target.address}:${port}/sdk`,
    username: target.credential.username,
    password: target.credential.password ?? '',
    tls: { mode: 'thumbprint', thumbprint },
    connectTimeoutMs,
    requestTimeoutMs: target.overallTimeoutMs ?? 60_000,
    transportRetries: 0,
  });
  try {
    await client.connect();
    const morefs: string[] = [];
    for await (const page of discover(client, 'esxi')) morefs.push(...page.map((object) => object.moref));
    if (morefs.length !== 1) return failed('COLLECTION_FAILED', `expected one ESXi host behind ${target.address}, found ${morefs.length}: is this a vCenter?`);
    const { records } = await retrieveRecords(client, 'esxi', morefs);
    const record = records[0];
    if (!record) return failed('COLLECTION_FAILED', `${target.address} did not report its host properties`);
    return {
      ok: true,
      hostKey,
      facts: toHostFacts(toPlatformHostRecord(record), new Map()),
    };
  } catch (error) {
    if (error instanceof VsphereError) return { ...failed(toCollectorCode(error), error.message), hostKey };
    if (error instanceof CollectorError) return failed(error.code, error.message);
    return failed('COLLECTION_FAILED', (error as Error).message);
  } finally {
    await client.close().catch(() => undefined);
  }
}

function toCollectorCode(error: VsphereError): CollectorErrorCode {
  switch (error.code) {
    case 'AUTH_FAILED':
      return 'AUTH_FAILED';
    case 'UNREACHABLE':
      return 'UNREACHABLE';
    case 'TIMEOUT':
      return 'TIMEOUT';
    case 'TLS_THUMBPRINT_MISMATCH':
      return 'HOST_KEY_CHANGED';
    default:
      return 'COLLECTION_FAILED';
  }
}

/** The server certificate's SHA-256 fingerprint (AA:BB:…), read without trusting it. */
function certificateThumbprint(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // Only reads the certificate to pin it; nothing is sent over this connection.
    const socket = tlsConnect({ host, port, rejectUnauthorized: false, servername: host.includes(':') ? undefined : host, timeout: timeoutMs });
    socket.once('secureConnect', () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      if (fingerprint) resolve(fingerprint);
      else reject(new Error('the server presented no certificate'));
    });
    socket.once('timeout', () => socket.destroy(new Error(`no TLS answer within ${timeoutMs} ms`)));
    socket.once('error', reject);
  });
}

function failed(code: CollectorErrorCode, message: string): CollectionResult {
  return { ok: false, code, message };
}
