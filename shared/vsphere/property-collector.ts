// Property collector calls. Every call names all wanted properties of a whole page or
// batch of objects at once: never one call per object per property (except the
// deliberately slow baseline at the end, kept for the benchmark).
import type { VsphereClient } from './client.ts';
import type { RawPage } from './retrieve-result.ts';
import { moRef, type InventoryType, type ObjectContent, type RetrieveResult } from './vim-types.ts';
import { convertValue } from './values.ts';

/** TraversalSpecs sit in anyType parameters, so their xsi:type is written by hand. */
export function traversalSpec(name: string, type: string, path: string, selectSet: object[] = []): object {
  return {
    attributes: { 'xsi:type': 'TraversalSpec' },
    name,
    type,
    path,
    skip: false,
    ...(selectSet.length ? { selectSet } : {}),
  };
}

export function selectionSpec(name: string): object {
  return { attributes: { 'xsi:type': 'SelectionSpec' }, name };
}

/**
 * Every object of `type` under the root folder, page by page (`pageSize` objects at
 * most per page), following every continuation token. The container view is
 * destroyed even when the caller stops early or a page fails.
 *
 * An expired session is handled transparently until the first page arrives; after
 * that the view and token are gone with the session, so NOT_AUTHENTICATED surfaces
 * and the caller restarts the listing.
 */
export async function* listContainerObjects(
  client: VsphereClient,
  type: InventoryType,
  pathSet: string[],
  pageSize = 1000,
): AsyncGenerator<ObjectContent[], void, undefined> {
  const sc = await client.serviceContent();
  let view: string | undefined;
  try {
    const first = await client.inSession(async () => {
      view = await createContainerView(client, type);
      const spec = {
        propSet: [{ type, pathSet }],
        objectSet: [{ obj: moRef('ContainerView', view), skip: true, selectSet: [traversalSpec('traverseView', 'ContainerView', 'view')] }],
      };
      return retrievePage(client, sc.propertyCollector, spec, pageSize);
    });
    yield* followTokens(client, sc.propertyCollector, first);
  } finally {
    if (view) await destroyView(client, view);
  }
}

async function createContainerView(client: VsphereClient, type: InventoryType): Promise<string> {
  const sc = await client.serviceContent();
  const view = await client.invoke('CreateContainerView', {
    _this: moRef('ViewManager', sc.viewManager),
    container: moRef('Folder', sc.rootFolder),
    type: [type],
    recursive: true,
  });
  return String(convertValue(view));
}

async function destroyView(client: VsphereClient, view: string): Promise<void> {
  // Best effort: a view of a dead session is gone already, and a failed cleanup must
  // not hide the error that ended the listing.
  await client.invoke('DestroyView', { _this: moRef('ContainerView', view) }).catch(() => undefined);
}

async function* followTokens(client: VsphereClient, collector: string, first: RawPage): AsyncGenerator<ObjectContent[]> {
  let page = first;
  if (page.objects.length) yield page.objects;
  while (page.token) {
    page = await client.retrieve('ContinueRetrievePropertiesEx', {
      _this: moRef('PropertyCollector', collector),
      token: page.token,
    });
    if (page.objects.length) yield page.objects;
  }
}

async function retrievePage(client: VsphereClient, collector: string, spec: object, maxObjects: number): Promise<RawPage> {
  return client.retrieve('RetrievePropertiesEx', {
    _this: moRef('PropertyCollector', collector),
    specSet: [spec],
    options: { maxObjects },
  });
}

/**
 * One RetrievePropertiesEx naming exactly `morefs` (plus its continuation pages).
 * Objects deleted meanwhile are reported in `missing`: vCenter lists them with a
 * ManagedObjectNotFound missingSet when reportMissingObjectsInResults is set, vcsim
 * leaves them out; both end up in `missing`.
 */
export async function retrieveObjects(
  client: VsphereClient,
  type: InventoryType | string,
  morefs: string[],
  pathSet: string[],
): Promise<RetrieveResult> {
  const unique = [...new Set(morefs)];
  if (unique.length === 0) return { objects: [], missing: [] };
  const spec = {
    propSet: [{ type, pathSet }],
    objectSet: unique.map((m) => ({ obj: moRef(type, m) })),
    reportMissingObjectsInResults: true,
  };
  const objects = await collectAll(client, spec, unique.length);
  return splitMissing(unique, objects);
}

/** Runs one spec to completion (all pages), replaying it once on an expired session. */
export async function collectAll(client: VsphereClient, spec: object, maxObjects: number): Promise<ObjectContent[]> {
  const sc = await client.serviceContent();
  return client.inSession(async () => {
    const objects: ObjectContent[] = [];
    const first = await retrievePage(client, sc.propertyCollector, spec, maxObjects);
    for await (const page of followTokens(client, sc.propertyCollector, first)) objects.push(...page);
    return objects;
  });
}

function splitMissing(asked: string[], objects: ObjectContent[]): RetrieveResult {
  const found = new Map<string, ObjectContent>();
  for (const object of objects) {
    if (!Object.values(object.missing).includes('ManagedObjectNotFound')) found.set(object.moref, object);
  }
  return {
    objects: asked.flatMap((m) => found.get(m) ?? []),
    missing: asked.filter((m) => !found.has(m)),
  };
}

/**
 * The slow way the old system worked: one RetrievePropertiesEx per property of one
 * object. Only for the benchmark that shows why batching matters.
 */
export async function retrievePropertyOneByOne(
  client: VsphereClient,
  moref: string,
  path: string,
  type: string = typeOfMoref(moref),
): Promise<unknown> {
  const { objects } = await retrieveObjects(client, type, [moref], [path]);
  return objects[0]?.properties[path];
}

function typeOfMoref(moref: string): string {
  if (moref.startsWith('vm-')) return 'VirtualMachine';
  if (moref.startsWith('host-')) return 'HostSystem';
  throw new Error(`cannot tell the managed object type of ${moref}; pass it explicitly`);
}
