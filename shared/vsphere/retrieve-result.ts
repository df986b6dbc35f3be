// Turns a RetrieveResult (as node-soap's generic anyType parsing shapes it) into
// ObjectContent. Shared by both ways of reading a property collector answer: the
// node-soap path and the streaming path of retrieve-stream.ts, which builds exactly
// the same intermediate shape one `objects` element at a time.
import { VsphereError } from './errors.ts';
import type { ObjectContent } from './vim-types.ts';
import { convertValue, xsiTypeOf } from './values.ts';

export interface RawPage {
  token: string | undefined;
  objects: ObjectContent[];
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

/** Parses a RetrieveResult; an empty result may arrive as no returnval at all. */
export function parseRetrieveResult(returnval: unknown): RawPage {
  const result = (returnval ?? {}) as { token?: unknown; objects?: unknown };
  return { token: tokenOf(result.token), objects: asArray(result.objects).map(parseObjectContent) };
}

export function tokenOf(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

export function parseObjectContent(raw: unknown): ObjectContent {
  const node = raw as { obj?: { attributes?: { type?: string }; $value?: unknown }; propSet?: unknown; missingSet?: unknown };
  const content: ObjectContent = {
    moref: String(node.obj?.$value ?? ''),
    type: node.obj?.attributes?.type ?? '',
    properties: {},
    missing: {},
  };
  for (const prop of asArray(node.propSet) as { name?: unknown; val?: unknown }[]) {
    if (typeof prop.name === 'string') content.properties[prop.name] = convertValue(prop.val);
  }
  for (const miss of asArray(node.missingSet) as { path?: unknown; fault?: { fault?: unknown } }[]) {
    const faultType = xsiTypeOf(miss.fault?.fault) ?? 'Unknown';
    content.missing[typeof miss.path === 'string' ? miss.path : ''] = faultType;
  }
  rejectUnauthenticated(content);
  return content;
}

/**
 * vcsim answers RetrievePropertiesEx without a valid session with NotAuthenticated
 * per property instead of a fault; treat it as the fault vCenter would send.
 */
function rejectUnauthenticated(content: ObjectContent): void {
  if (Object.values(content.missing).includes('NotAuthenticated')) {
    throw new VsphereError('NOT_AUTHENTICATED', 'the vSphere session is no longer valid (properties reported NotAuthenticated)', {
      faultType: 'NotAuthenticated',
    });
  }
}
