// Cluster and datacenter names for a page of objects in ONE extra call: starting
// from the page's ESXi hosts, a TraversalSpec climbs `parent` (host -> compute
// resource or cluster -> folders -> datacenter -> root folder) and returns name,
// parent of each ancestor. A page of 1000 VMs on 30 hosts costs one call returning
// about 30 hosts and a handful of ancestors.
import type { VsphereClient } from './client.ts';
import { moRef } from './vim-types.ts';
import { collectAll, selectionSpec, traversalSpec } from './property-collector.ts';
import { str, type Placement, type PlacementLookup } from './records.ts';

interface Entity {
  type: string;
  name: string | undefined;
  parent: string | undefined;
}

export async function resolvePlacement(client: VsphereClient, hostMorefs: string[]): Promise<PlacementLookup> {
  const hosts = [...new Set(hostMorefs)];
  if (hosts.length === 0) return () => ({});
  const climb = traversalSpec('climbParents', 'ManagedEntity', 'parent', [selectionSpec('climbParents')]);
  const spec = {
    propSet: [{ type: 'ManagedEntity', pathSet: ['name', 'parent'] }],
    objectSet: hosts.map((h) => ({ obj: moRef('HostSystem', h), skip: false, selectSet: [climb] })),
    reportMissingObjectsInResults: true,
  };
  const objects = await collectAll(client, spec, 10_000);
  const entities = new Map<string, Entity>();
  for (const o of objects) {
    entities.set(o.moref, { type: o.type, name: str(o.properties.name), parent: str(o.properties.parent) });
  }
  const cache = new Map<string, Placement>();
  return (host) => {
    if (!host) return {};
    let placement = cache.get(host);
    if (!placement) {
      placement = placementOf(entities, host);
      cache.set(host, placement);
    }
    return placement;
  };
}

function placementOf(entities: Map<string, Entity>, host: string): Placement {
  const placement: Placement = {};
  let current = entities.get(host)?.parent;
  // Bounded walk: a malformed answer with a parent cycle must not hang the sync.
  for (let depth = 0; current && depth < 64; depth++) {
    const entity = entities.get(current);
    if (!entity) break;
    if (entity.type === 'ClusterComputeResource' && placement.cluster === undefined) placement.cluster = entity.name;
    if (entity.type === 'Datacenter') {
      placement.datacenter = entity.name;
      break;
    }
    current = entity.parent;
  }
  return placement;
}
