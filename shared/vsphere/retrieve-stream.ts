// Streaming reader of RetrievePropertiesEx / ContinueRetrievePropertiesEx answers.
//
// Why these two operations bypass node-soap's response deserializer: a batch of 500
// VMs with the full vmPathSet (config.hardware.device, guest.net...) is a 3.9 MB
// answer, and node-soap's generic path (sax, then wsdl/index.js onopentag with its
// per-element schema and message lookups, then xmlToObject) spent ~400 ms of CPU on
// it (profile: sax write 277 ms, soap onopentag 249 ms, xmlToObject 139 ms, partly
// overlapping). The local stack runs every batch in one Node process, so a
// 12,000-VM sync spent ~10 s of CPU parsing alone. saxes builds the same tree in
// ~65-130 ms. This reader is fed the body chunk by chunk as it arrives and turns
// each `objects` element into an ObjectContent as soon as it closes, so the raw
// tree of the whole answer never exists at once (peak memory on a 256 MB Lambda).
//
// To convert values exactly as before, it builds for each `objects` element the very
// intermediate shape node-soap's generic anyType parsing produced (see
// soap/lib/wsdl/index.js xmlToObject) and hands it to the same parseObjectContent /
// convertValue:
// - an element is `{}`; its non-xmlns attributes, if any, go to `attributes` (names
//   as written, prefix included: vcsim's `XMLSchema-instance:type`, vCenter's
//   `xsi:type`);
// - trimmed non-empty text replaces the element by the string, or becomes `$value`
//   when the element has attributes;
// - an element that stays `{}` becomes null; a name seen twice under one parent
//   becomes an array; an element with xsi:nil="true" is dropped.
// Every other operation still goes through node-soap.
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { soapFaultOf, type SoapFault } from './errors.ts';
import { parseObjectContent, tokenOf, type RawPage } from './retrieve-result.ts';

const xsiUri = 'http://www.w3.org/2001/XMLSchema-instance';

type Tree = Record<string, unknown>;

interface Frame {
  name: string;
  /** `{}` (with `attributes`, children, `$value`) or, once text arrived without attributes, the text */
  value: Tree | string;
  nil: boolean;
}

export type RetrieveAnswer = { kind: 'page'; page: RawPage } | { kind: 'fault'; fault: SoapFault };

/** Why an answer could not be read; the transport turns it into a VsphereError. */
export class UnreadableAnswerError extends Error {}

function localName(qname: string): string {
  return qname.slice(qname.indexOf(':') + 1);
}

function prefixOf(qname: string): string {
  const colon = qname.indexOf(':');
  return colon < 0 ? '' : qname.slice(0, colon);
}

/**
 * Push parser for one answer: `write` each decoded chunk, then `end`. Throws
 * UnreadableAnswerError on malformed XML, and whatever parseObjectContent throws
 * (NOT_AUTHENTICATED) as soon as the offending object closes.
 */
export class RetrieveAnswerParser {
  readonly #operation: string;
  readonly #parser = new SaxesParser({ xmlns: false, position: false });
  readonly #root: Tree = {};
  readonly #stack: Frame[] = [{ name: '', value: this.#root, nil: false }];
  readonly #objects: RawPage['objects'] = [];
  /** prefix -> namespace URI, document-wide like node-soap (only xsi:nil needs it) */
  readonly #namespaces = new Map<string, string>();
  #failure: Error | undefined;

  constructor(operation: string) {
    this.#operation = operation;
    this.#parser.on('opentag', (tag) => this.#open(tag));
    this.#parser.on('closetag', () => this.#close());
    this.#parser.on('text', (text) => this.#text(text));
    this.#parser.on('cdata', (text) => this.#text(text));
    this.#parser.on('error', (error) => {
      this.#failure ??= error;
    });
  }

  write(chunk: string): void {
    this.#parser.write(chunk);
    this.#throwIfFailed();
  }

  end(): RetrieveAnswer {
    this.#parser.close();
    this.#throwIfFailed();
    const envelope = this.#root.Envelope as { Body?: unknown } | undefined;
    const body = envelope?.Body;
    if (!body || typeof body !== 'object') throw new UnreadableAnswerError('no SOAP envelope with a body');
    const fault = soapFaultOf({ root: { Envelope: { Body: body } } });
    if (fault) return { kind: 'fault', fault };
    const responseName = `${this.#operation}Response`;
    if (!Object.hasOwn(body, responseName)) throw new UnreadableAnswerError(`no ${responseName} in the SOAP body`);
    const response = (body as Tree)[responseName] as { returnval?: { token?: unknown } } | null;
    return { kind: 'page', page: { token: tokenOf(response?.returnval?.token), objects: this.#objects } };
  }

  #throwIfFailed(): void {
    const failure = this.#failure;
    if (!failure) return;
    if (failure instanceof UnreadableAnswerError) throw failure;
    throw new UnreadableAnswerError(`malformed XML (${failure.message})`);
  }

  #open(tag: SaxesTagPlain): void {
    const value: Tree = {};
    let attributes: Record<string, string> | undefined;
    let nil = false;
    // for...in rather than Object.entries: this runs for every element of a 4 MB answer
    const all = tag.attributes;
    for (const name in all) {
      const attr = all[name]!;
      if (name.startsWith('xmlns') && (name.length === 5 || name.charCodeAt(5) === 58 /* : */)) {
        this.#namespaces.set(localName(name), attr);
        continue;
      }
      (attributes ??= {})[name] = attr;
    }
    if (attributes) {
      value.attributes = attributes;
      // after the loop: an xmlns:xsi declared on this very element counts
      for (const name in attributes) {
        if (localName(name) !== 'nil' || this.#namespaces.get(prefixOf(name)) !== xsiUri) continue;
        const attr = attributes[name]!;
        nil = attr.toLowerCase() === 'true' || attr === '1';
        break;
      }
    }
    this.#stack.push({ name: localName(tag.name), value, nil });
  }

  #text(raw: string): void {
    const text = raw.trim();
    if (!text) return;
    const top = this.#stack[this.#stack.length - 1]!;
    const current = top.value;
    const value = typeof current === 'string' ? current + text : text;
    if (typeof current !== 'string' && current.attributes) current.$value = value;
    else top.value = value;
  }

  #close(): void {
    const frame = this.#stack.pop()!;
    if (frame.nil) return;
    const parent = this.#stack[this.#stack.length - 1]!;
    let value: unknown = frame.value;
    if (typeof value === 'object' && Object.keys(value as Tree).length === 0) value = null;
    // Envelope > Body > XResponse > returnval > objects: convert now, keep no tree.
    if (frame.name === 'objects' && this.#stack.length === 5 && parent.name === 'returnval') {
      this.#objects.push(parseObjectContent(value));
      return;
    }
    if (typeof parent.value === 'string') {
      this.#failure ??= new UnreadableAnswerError(`element ${frame.name} mixed with text`);
      return;
    }
    const siblings = parent.value;
    if (frame.name === '__proto__') return;
    if (Object.hasOwn(siblings, frame.name)) {
      const existing = siblings[frame.name];
      if (Array.isArray(existing)) existing.push(value);
      else siblings[frame.name] = [existing, value];
    } else {
      siblings[frame.name] = value;
    }
  }
}
