// A logged-in vSphere API client: session cookie handling, one transparent re-login
// when the session expired, and the property collector calls the collectors use.
import { VsphereError, hostOf } from './errors.ts';
import type { TlsSettings } from './tls.ts';
import { parseRetrieveResult, type RawPage } from './retrieve-result.ts';
import { SoapTransport, type RetrieveOperation, type VimOperation } from './transport.ts';
import { convertValue } from './values.ts';
import { listContainerObjects, retrieveObjects, retrievePropertyOneByOne } from './property-collector.ts';
import { moRef, type InventoryType, type ObjectContent, type RetrieveResult } from './vim-types.ts';

export { moRef, type InventoryType, type ObjectContent, type RetrieveResult } from './vim-types.ts';

export interface VsphereConnectionSettings {
  /** https://host/sdk, or http://... for simulators */
  endpoint: string;
  username: string;
  password: string;
  tls: TlsSettings;
  /** TCP connect plus TLS handshake, default 10 s */
  connectTimeoutMs?: number;
  /** one SOAP request from send to parsed answer, default 60 s */
  requestTimeoutMs?: number;
  /** extra attempts after a transport failure, default 2 */
  transportRetries?: number;
  /**
   * Internal: how property collector answers are read. 'stream' (default) parses them
   * with saxes as they arrive (retrieve-stream.ts); 'soap' uses node-soap's own
   * deserializer, the slower reference the equivalence tests compare against.
   */
  propertyCollectorParser?: 'stream' | 'soap';
}

interface ServiceContent {
  rootFolder: string;
  propertyCollector: string;
  viewManager: string;
  sessionManager: string;
}

const sessionCookieName = 'vmware_soap_session';
/** InvalidLogin is remembered this long: vCenter SSO locks accounts after 5 failures in 3 minutes. */
const authFailureMemoryMs = 5 * 60_000;

export class VsphereClient {
  readonly endpoint: string;
  readonly #settings: VsphereConnectionSettings;
  readonly #transport: SoapTransport;
  #serviceContent: Promise<ServiceContent> | undefined;
  #cookie: string | undefined;
  #sessionKey: string | undefined;
  #loggingIn: Promise<void> | undefined;
  #authFailure: { error: VsphereError; at: number } | undefined;
  #loginAttempts = 0;

  constructor(settings: VsphereConnectionSettings) {
    this.endpoint = settings.endpoint;
    this.#settings = settings;
    this.#transport = new SoapTransport({
      endpoint: settings.endpoint,
      tls: settings.tls,
      connectTimeoutMs: settings.connectTimeoutMs ?? 10_000,
      requestTimeoutMs: settings.requestTimeoutMs ?? 60_000,
      transportRetries: settings.transportRetries ?? 2,
    });
  }

  /** Login calls sent so far, for tests and metrics. */
  get loginAttempts(): number {
    return this.#loginAttempts;
  }

  /** UserSession key of the current session (what an administrator would terminate). */
  get sessionKey(): string | undefined {
    return this.#sessionKey;
  }

  async serviceContent(): Promise<ServiceContent> {
    this.#serviceContent ??= this.#retrieveServiceContent().catch((error: unknown) => {
      this.#serviceContent = undefined;
      throw error;
    });
    return this.#serviceContent;
  }

  /** Logs in unless a session exists; concurrent callers share one Login. */
  async connect(): Promise<void> {
    if (this.#cookie) return;
    await this.#login();
  }

  async logout(): Promise<void> {
    const cookie = this.#cookie;
    this.#cookie = undefined;
    this.#sessionKey = undefined;
    if (cookie) {
      const sc = await this.serviceContent();
      await this.#transport.call('Logout', { _this: moRef('SessionManager', sc.sessionManager) }, cookie).catch(() => undefined);
    }
  }

  /** Logs out (best effort) and releases sockets. */
  async close(): Promise<void> {
    await this.logout();
    this.#transport.close();
  }

  /**
   * Runs `work` in a session. When the session turns out to be expired
   * (NotAuthenticated), logs in again once and runs `work` again from the start:
   * views and continuation tokens belong to the old session, so only a whole unit
   * of work can be replayed.
   */
  async inSession<T>(work: () => Promise<T>): Promise<T> {
    await this.connect();
    const cookie = this.#cookie;
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof VsphereError) || error.code !== 'NOT_AUTHENTICATED') throw error;
      await this.#relogin(cookie);
      return await work();
    }
  }

  /** Every object of `type`, page by page; see property-collector.ts. */
  listContainerObjects(type: InventoryType, pathSet: string[], pageSize = 1000): AsyncGenerator<ObjectContent[], void, undefined> {
    return listContainerObjects(this, type, pathSet, pageSize);
  }

  /** One RetrievePropertiesEx naming exactly `morefs`; vanished ones come back in `missing`. */
  retrieveObjects(type: InventoryType, morefs: string[], pathSet: string[]): Promise<RetrieveResult> {
    return retrieveObjects(this, type, morefs, pathSet);
  }

  /** Benchmark baseline only: one call for one property of one object. */
  retrievePropertyOneByOne(moref: string, path: string, type?: string): Promise<unknown> {
    return retrievePropertyOneByOne(this, moref, path, type);
  }

  /** One operation with the current session cookie, no replay. */
  async invoke(operation: VimOperation, args: object): Promise<unknown> {
    await this.connect();
    const reply = await this.#transport.call(operation, args, this.#cookie);
    return reply.returnval;
  }

  /** RetrievePropertiesEx / ContinueRetrievePropertiesEx with the current session cookie, no replay. */
  async retrieve(operation: RetrieveOperation, args: object): Promise<RawPage> {
    await this.connect();
    if (this.#settings.propertyCollectorParser === 'soap') {
      const reply = await this.#transport.call(operation, args, this.#cookie);
      return parseRetrieveResult(reply.returnval);
    }
    return this.#transport.retrieve(operation, args, this.#cookie);
  }

  async #retrieveServiceContent(): Promise<ServiceContent> {
    const reply = await this.#transport.call('RetrieveServiceContent', { _this: moRef('ServiceInstance', 'ServiceInstance') });
    const content = convertValue(reply.returnval) as Record<string, unknown>;
    const need = (key: string): string => {
      const value = content[key];
      if (typeof value !== 'string' || !value) {
        throw new VsphereError('VSPHERE_FAULT', `${hostOf(this.endpoint)} did not announce a ${key}; is this a vSphere endpoint?`);
      }
      return value;
    };
    return {
      rootFolder: need('rootFolder'),
      propertyCollector: need('propertyCollector'),
      viewManager: need('viewManager'),
      sessionManager: need('sessionManager'),
    };
  }

  #login(): Promise<void> {
    this.#loggingIn ??= this.#sendLogin().finally(() => {
      this.#loggingIn = undefined;
    });
    return this.#loggingIn;
  }

  async #sendLogin(): Promise<void> {
    const remembered = this.#authFailure;
    if (remembered && Date.now() - remembered.at < authFailureMemoryMs) throw remembered.error;
    const sc = await this.serviceContent();
    this.#loginAttempts++;
    try {
      const reply = await this.#transport.call(
        'Login',
        { _this: moRef('SessionManager', sc.sessionManager), userName: this.#settings.username, password: this.#settings.password },
        undefined,
        true,
      );
      this.#cookie = sessionCookie(reply.setCookie, this.endpoint);
      const session = convertValue(reply.returnval) as { key?: unknown } | undefined;
      this.#sessionKey = typeof session?.key === 'string' ? session.key : undefined;
    } catch (error) {
      if (error instanceof VsphereError && error.code === 'AUTH_FAILED') {
        this.#authFailure = { error, at: Date.now() };
      }
      throw error;
    }
  }

  /** Logs in again unless another caller already replaced the stale session. */
  async #relogin(staleCookie: string | undefined): Promise<void> {
    if (this.#cookie === staleCookie) {
      this.#cookie = undefined;
      this.#sessionKey = undefined;
    }
    await this.connect();
  }
}

function sessionCookie(setCookie: string[], endpoint: string): string {
  for (const header of setCookie) {
    const pair = header.split(';')[0]?.trim() ?? '';
    if (pair.startsWith(`${sessionCookieName}=`)) return pair;
  }
  throw new VsphereError('VSPHERE_FAULT', `${hostOf(endpoint)} accepted the login but sent no ${sessionCookieName} cookie`);
}
