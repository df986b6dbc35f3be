// One SOAP exchange with a vSphere endpoint: per-client agent, timeouts, bounded
// retries of transport failures, and translation of every failure to VsphereError.
import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import soap from 'soap';
import { VsphereError, faultToError, hostOf, soapFaultOf, transportToError } from './errors.ts';
import { soapRequest } from './request-envelope.ts';
import type { RawPage } from './retrieve-result.ts';
import { RetrieveAnswerParser, UnreadableAnswerError } from './retrieve-stream.ts';
import { createAgent, normalizeThumbprint, type TlsSettings } from './tls.ts';
import { vimWsdlPath } from './wsdl.ts';

export type VimOperation =
  | 'RetrieveServiceContent'
  | 'Login'
  | 'Logout'
  | 'CreateContainerView'
  | 'DestroyView'
  | 'RetrievePropertiesEx'
  | 'ContinueRetrievePropertiesEx';

/** The property collector reads whose answers are stream-parsed (see retrieve-stream.ts). */
export type RetrieveOperation = 'RetrievePropertiesEx' | 'ContinueRetrievePropertiesEx';

export interface TransportSettings {
  endpoint: string;
  tls: TlsSettings;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** extra attempts after a transport failure (never after a SOAP fault) */
  transportRetries: number;
}

export interface SoapReply {
  returnval: unknown;
  /** Set-Cookie headers, only when asked for (Login) */
  setCookie: string[];
}

type AsyncOperation = (
  args: object,
  options: object,
  extraHeaders: Record<string, string>,
) => Promise<[{ returnval?: unknown } | null | undefined]>;

const retryBaseDelayMs = 200;

export class SoapTransport {
  readonly #settings: TransportSettings;
  readonly #agent: http.Agent;
  #client: Promise<soap.Client> | undefined;

  constructor(settings: TransportSettings) {
    if (settings.tls.mode === 'thumbprint') normalizeThumbprint(settings.tls.thumbprint ?? '');
    this.#settings = settings;
    this.#agent = createAgent({ endpoint: settings.endpoint, tls: settings.tls, connectTimeoutMs: settings.connectTimeoutMs });
  }

  /** Sends one operation, retrying transport failures; SOAP faults are never retried. */
  call(operation: VimOperation, args: object, cookie?: string, captureCookies = false): Promise<SoapReply> {
    return this.#withRetries(() => this.#send(operation, args, cookie, captureCookies));
  }

  /**
   * A property collector read whose answer is stream-parsed straight into
   * ObjectContent instead of going through node-soap's deserializer (the request is
   * still serialised by node-soap). Same agent, cookie, timeouts, retries and error
   * mapping as `call`.
   */
  retrieve(operation: RetrieveOperation, args: object, cookie?: string): Promise<RawPage> {
    return this.#withRetries(() => this.#sendRetrieve(operation, args, cookie));
  }

  async #withRetries<T>(send: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        if (!(error instanceof VsphereError) || !isRetryable(error) || attempt >= this.#settings.transportRetries) {
          throw error;
        }
        await sleep(retryBaseDelayMs * 2 ** attempt);
      }
    }
  }

  close(): void {
    this.#agent.destroy();
  }

  #soapClient(): Promise<soap.Client> {
    this.#client ??= soap.createClientAsync(vimWsdlPath(), { endpoint: this.#settings.endpoint }).catch((error: unknown) => {
      this.#client = undefined;
      throw error;
    });
    return this.#client;
  }

  async #send(operation: VimOperation, args: object, cookie: string | undefined, captureCookies: boolean): Promise<SoapReply> {
    const client = await this.#soapClient();
    const exchangeId = randomUUID();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#settings.requestTimeoutMs);
    let setCookie: string[] = [];
    const onResponse = (_body: unknown, response: { headers?: Record<string, unknown> } | null, id: string) => {
      if (id === exchangeId) setCookie = cookieHeaders(response?.headers?.['set-cookie']);
    };
    if (captureCookies) client.on('response', onResponse);
    try {
      const invoke = (client as unknown as Record<string, AsyncOperation>)[`${operation}Async`]!;
      const [result] = await invoke.call(client, args, this.#requestOptions(exchangeId, controller.signal), cookie ? { Cookie: cookie } : {});
      return { returnval: result?.returnval, setCookie };
    } catch (error) {
      throw this.#toError(error, operation, controller.signal.aborted);
    } finally {
      clearTimeout(timer);
      if (captureCookies) client.off('response', onResponse);
    }
  }

  async #sendRetrieve(operation: RetrieveOperation, args: object, cookie: string | undefined): Promise<RawPage> {
    const client = await this.#soapClient();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#settings.requestTimeoutMs);
    try {
      const request = soapRequest(client, operation, args);
      return await this.#postStreaming(operation, request.xml, request.soapAction, cookie, controller.signal);
    } catch (error) {
      throw this.#toError(error, operation, controller.signal.aborted);
    } finally {
      clearTimeout(timer);
    }
  }

  /** POSTs the envelope and feeds the answer to the parser chunk by chunk as it arrives. */
  async #postStreaming(operation: RetrieveOperation, xml: string, soapAction: string, cookie: string | undefined, signal: AbortSignal): Promise<RawPage> {
    const body = Buffer.from(xml, 'utf8');
    const headers: Record<string, string> = {
      'Content-Type': 'text/xml; charset=utf-8',
      'Content-Length': String(body.length),
      SOAPAction: soapAction,
      Accept: 'text/xml, application/xml',
      'Accept-Encoding': 'identity',
      ...(cookie ? { Cookie: cookie } : {}),
    };
    const secure = this.#settings.endpoint.startsWith('https:');
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const request = (secure ? https : http).request(this.#settings.endpoint, { method: 'POST', agent: this.#agent, headers, signal }, resolve);
      request.on('error', reject);
      request.end(body);
    });
    const status = response.statusCode ?? 0;
    const parser = new RetrieveAnswerParser(operation);
    try {
      response.setEncoding('utf8');
      for await (const chunk of response) parser.write(chunk as string);
      const answer = parser.end();
      if (answer.kind === 'fault') throw faultToError(answer.fault, this.#settings.endpoint, operation);
      if (status >= 300) throw new UnreadableAnswerError(`HTTP ${status} without a SOAP fault`);
      return answer.page;
    } catch (error) {
      // An HTTP error page (proxy, load balancer) is reported by its status, not its markup.
      if (error instanceof UnreadableAnswerError && status >= 300) {
        throw new VsphereError('VSPHERE_FAULT', `${hostOf(this.#settings.endpoint)} failed ${operation}: HTTP ${status}`, { cause: error });
      }
      throw error;
    } finally {
      response.destroy();
    }
  }

  #requestOptions(exchangeId: string, signal: AbortSignal): object {
    const secure = this.#settings.endpoint.startsWith('https:');
    return {
      exchangeId,
      signal,
      ...(secure ? { httpsAgent: this.#agent } : { httpAgent: this.#agent }),
      // axios must not follow proxies from the environment to a vCenter on a private network
      proxy: false,
    };
  }

  #toError(error: unknown, operation: VimOperation, timedOut: boolean): VsphereError {
    if (error instanceof VsphereError) return error;
    if (error instanceof UnreadableAnswerError && !timedOut) {
      return new VsphereError('VSPHERE_FAULT', `${hostOf(this.#settings.endpoint)} sent an unreadable ${operation} answer: ${error.message}`, {
        cause: error,
      });
    }
    const fault = soapFaultOf(error);
    if (fault) return faultToError(fault, this.#settings.endpoint, operation);
    return transportToError(error, {
      endpoint: this.#settings.endpoint,
      operation,
      timedOut,
      timeoutMs: this.#settings.requestTimeoutMs,
    });
  }
}

function cookieHeaders(header: unknown): string[] {
  if (Array.isArray(header)) return header.filter((h): h is string => typeof h === 'string');
  return typeof header === 'string' ? [header] : [];
}

/** Only failures where the server may simply be back a moment later. */
function isRetryable(error: VsphereError): boolean {
  if (error.code === 'UNREACHABLE') return true;
  // A connect timeout (not an answer timeout) is cheap to retry and often transient.
  return error.code === 'TIMEOUT' && /could not connect/.test(error.message);
}
