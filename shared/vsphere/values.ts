// Converts values parsed by node-soap from anyType elements into plain JS values.
// node-soap knows nothing of vSphere types here (the WSDL says xsd:anyType), so each
// value arrives as `{attributes, $value}` or nested objects, and the vSphere type is
// in the xsi:type attribute: vcsim names its prefix `XMLSchema-instance`, vCenter
// `xsi`, so it is read by local name. Fields nested inside data objects carry no type
// and stay strings, except managed object references (recognised by their `type`
// attribute) and polymorphic elements that do carry xsi:type.

const integerTypes = new Set(['int', 'long', 'short', 'byte', 'integer', 'unsignedInt', 'unsignedShort', 'unsignedByte', 'unsignedLong']);
const floatTypes = new Set(['double', 'float', 'decimal']);

type Node = Record<string, unknown>;

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function attributesOf(node: Node): Record<string, unknown> {
  return isNode(node.attributes) ? node.attributes : {};
}

/** The xsi:type of an element, without prefix, whatever prefix the server chose. */
export function xsiTypeOf(node: unknown): string | undefined {
  if (!isNode(node)) return undefined;
  const attributes = attributesOf(node);
  // Hot path (every value of every answer): no Object.entries / split allocations.
  for (const key in attributes) {
    const colon = key.indexOf(':');
    if (colon <= 0) continue;
    const end = key.indexOf(':', colon + 1);
    const local = end < 0 ? key.slice(colon + 1) : key.slice(colon + 1, end);
    const value = attributes[key];
    if (local === 'type' && typeof value === 'string') {
      return value.slice(value.lastIndexOf(':') + 1);
    }
  }
  return undefined;
}

/** Text of a leaf, whatever node-soap made of it (string, number, boolean or Date). */
function textOf(value: unknown): string {
  if (isNode(value)) return textOf(value.$value);
  if (value instanceof Date) return value.toISOString();
  return value === undefined || value === null ? '' : String(value);
}

function isManagedObjectReference(node: Node): boolean {
  const attributes = attributesOf(node);
  return typeof attributes.type === 'string' && '$value' in node;
}

/**
 * Converts one value. `typeHint` is the element type implied by an enclosing
 * ArrayOfX, for elements that carry no xsi:type of their own.
 */
export function convertValue(value: unknown, typeHint?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => convertValue(v, typeHint));
  const type = xsiTypeOf(value) ?? typeHint;
  if (type !== undefined) return convertTyped(value, type);
  if (!isNode(value)) return value instanceof Date ? value.toISOString() : value;
  if (isManagedObjectReference(value)) return textOf(value);
  if ('$value' in value) return textOf(value);
  return convertObject(value);
}

function convertTyped(value: unknown, type: string): unknown {
  if (integerTypes.has(type) || floatTypes.has(type)) return toNumber(textOf(value));
  if (type === 'boolean') return toBoolean(textOf(value));
  if (type === 'ManagedObjectReference') return textOf(value);
  if (type.startsWith('ArrayOf')) return convertArray(value, type.slice('ArrayOf'.length));
  if (isPrimitiveType(type) || isLeaf(value)) return textOf(value);
  return convertObject(value as Node);
}

/** Enums (VirtualMachinePowerState...) are leaves with an uppercase type name. */
function isLeaf(value: unknown): boolean {
  if (!isNode(value)) return true;
  return '$value' in value && Object.keys(value).every((k) => k === 'attributes' || k === '$value');
}

function isPrimitiveType(type: string): boolean {
  return ['string', 'dateTime', 'anyURI', 'base64Binary', 'anyType'].includes(type) || /^[a-z]/.test(type);
}

/** `ArrayOfX` holds its items under one child key; one item still makes an array. */
function convertArray(value: unknown, itemType: string): unknown[] {
  if (!isNode(value)) return [];
  const items: unknown[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (key === 'attributes' || key === '$value') continue;
    const list = Array.isArray(child) ? child : [child];
    items.push(...list.map((item) => convertValue(item, itemTypeHint(itemType))));
  }
  return items;
}

/** Primitive item types need the hint; data object items convert structurally. */
function itemTypeHint(itemType: string): string | undefined {
  const primitive = itemType.charAt(0).toLowerCase() + itemType.slice(1);
  if (integerTypes.has(primitive) || floatTypes.has(primitive) || primitive === 'boolean') return primitive;
  if (itemType === 'ManagedObjectReference') return itemType;
  return undefined;
}

function convertObject(node: Node): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(node)) {
    if (key === 'attributes') continue;
    result[key] = convertValue(child);
  }
  return result;
}

/**
 * Integers stay exact up to 2^53 (8 PiB in bytes): enough for any memory or disk
 * size vSphere reports. Anything larger keeps its text rather than lose digits.
 */
export function toNumber(text: string): number | string {
  const trimmed = text.trim();
  if (trimmed === '') return trimmed;
  const n = Number(trimmed);
  if (Number.isNaN(n)) return trimmed;
  if (/^[-+]?\d+$/.test(trimmed) && !Number.isSafeInteger(n)) return trimmed;
  return n;
}

export function toBoolean(text: string): boolean {
  const t = text.trim().toLowerCase();
  return t === 'true' || t === '1';
}
