import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { convertValue, toNumber, xsiTypeOf } from '#shared/vsphere/values.ts';

// The two prefixes seen in the wild for the XML Schema instance namespace.
const typeAttribute = fc.constantFrom('xsi:type', 'XMLSchema-instance:type');
const typed = (attr: string, type: string, value: unknown) => ({ attributes: { [attr]: type }, $value: value });

it('integers and longs come back as the same number, whatever the attribute prefix', () => {
  fc.assert(
    fc.property(typeAttribute, fc.constantFrom('xsd:int', 'xsd:long', 'xsd:short'), fc.maxSafeInteger(), (attr, type, n) => {
      assert.equal(convertValue(typed(attr, type, String(n))), n);
      // node-soap sometimes parses the text itself when it knows the type
      assert.equal(convertValue(typed(attr, type, n)), n);
    }),
  );
});

it('longs beyond 2^53 keep their digits instead of losing precision', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 2n ** 53n + 1n, max: 2n ** 63n - 1n }), (n) => {
      assert.equal(convertValue(typed('xsi:type', 'xsd:long', n.toString())), n.toString());
    }),
  );
});

it('booleans, strings and managed object references', () => {
  fc.assert(
    fc.property(typeAttribute, fc.boolean(), fc.string(), fc.nat(), (attr, b, s, id) => {
      assert.equal(convertValue(typed(attr, 'xsd:boolean', String(b))), b);
      assert.equal(convertValue(typed(attr, 'xsd:string', s)), s);
      assert.equal(convertValue(typed(attr, 'ManagedObjectReference', `vm-${id}`)), `vm-${id}`);
      assert.equal(convertValue({ attributes: { type: 'VirtualMachine' }, $value: `vm-${id}` }), `vm-${id}`);
    }),
  );
});

it('ArrayOfX stays an array, also with one element, and types its items', () => {
  fc.assert(
    fc.property(typeAttribute, fc.array(fc.integer(), { minLength: 0, maxLength: 5 }), (attr, ints) => {
      const items = ints.map(String);
      const node = {
        attributes: { [attr]: 'ArrayOfInt' },
        ...(items.length === 0 ? {} : { int: items.length === 1 ? items[0] : items }),
      };
      assert.deepEqual(convertValue(node), ints);
    }),
  );
  const refs = {
    attributes: { 'XMLSchema-instance:type': 'ArrayOfManagedObjectReference' },
    ManagedObjectReference: { attributes: { type: 'VirtualMachine' }, $value: 'vm-1' },
  };
  assert.deepEqual(convertValue(refs), ['vm-1']);
});

it('data objects become plain objects; enums become their text', () => {
  const about = { attributes: { 'xsi:type': 'AboutInfo' }, name: 'VMware ESXi', build: '5969303' };
  assert.deepEqual(convertValue(about), { name: 'VMware ESXi', build: '5969303' });
  assert.equal(convertValue(typed('xsi:type', 'VirtualMachinePowerState', 'poweredOn')), 'poweredOn');
  assert.equal(xsiTypeOf({ attributes: { type: 'Folder' }, $value: 'group-d1' }), undefined);
  assert.equal(toNumber(' 12 '), 12);
});
