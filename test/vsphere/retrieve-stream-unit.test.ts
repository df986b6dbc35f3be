// Streaming reader and request envelope, without a simulator: node-soap's own
// deserializer on the same text is the reference.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import soap from 'soap';
import { SaxesParser } from 'saxes';
import { soapRequest } from '#shared/vsphere/request-envelope.ts';
import { parseRetrieveResult } from '#shared/vsphere/retrieve-result.ts';
import { RetrieveAnswerParser, UnreadableAnswerError, type RetrieveAnswer } from '#shared/vsphere/retrieve-stream.ts';
import { moRef } from '#shared/vsphere/vim-types.ts';
import { vimWsdlPath } from '#shared/vsphere/wsdl.ts';

const client = await soap.createClientAsync(vimWsdlPath(), {});

const answer = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><token>tok-1</token>
<objects><obj type="VirtualMachine">vm-1</obj>
  <propSet><name>name</name><val xsi:type="xsd:string">caf\u00e9 &amp; \u20ac &lt;1&gt;</val></propSet>
  <propSet><name>config.hardware.memoryMB</name><val xsi:type="xsd:int">4096</val></propSet>
  <propSet><name>summary.storage.committed</name><val xsi:type="xsd:long">9007199254740993</val></propSet>
  <propSet><name>guest.toolsRunning</name><val xsi:type="xsd:boolean">true</val></propSet>
  <propSet><name>one</name><val xsi:type="ArrayOfString"><string>only</string></val></propSet>
  <propSet><name>none</name><val xsi:type="ArrayOfInt"></val></propSet>
  <propSet><name>runtime.host</name><val type="HostSystem" xsi:type="ManagedObjectReference">host-9</val></propSet>
  <propSet><name>guest.net</name><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="ArrayOfGuestNicInfo"><GuestNicInfo><network>VM Network</network><ipAddress>10.0.0.1</ipAddress><ipAddress>fe80::1</ipAddress><connected>true</connected><deviceConfigId>4000</deviceConfigId><dnsConfig xsi:nil="true"></dnsConfig><empty></empty></GuestNicInfo></val></propSet>
  <missingSet><path>config.bogus</path><fault><fault xsi:type="InvalidProperty"></fault><localizedMessage></localizedMessage></fault></missingSet>
</objects>
<objects><obj type="VirtualMachine">vm-2</obj><propSet><name>name</name><val xsi:type="xsd:string"><![CDATA[a<b]]></val></propSet></objects>
<objects><obj type="VirtualMachine">vm-gone</obj><missingSet><path></path><fault><fault xsi:type="ManagedObjectNotFound"><obj type="VirtualMachine">vm-gone</obj></fault></fault></missingSet></objects>
</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>`;

function reference(xml: string): ReturnType<typeof parseRetrieveResult> {
  const envelope = client.wsdl.xmlToObject(xml) as { Body: { RetrievePropertiesExResponse: { returnval?: unknown } } };
  return parseRetrieveResult(envelope.Body.RetrievePropertiesExResponse.returnval);
}

function streamed(xml: string, cuts: number[] = []): RetrieveAnswer {
  const parser = new RetrieveAnswerParser('RetrievePropertiesEx');
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    parser.write(xml.slice(from, cut));
    from = cut;
  }
  parser.write(xml.slice(from));
  return parser.end();
}

it('same ObjectContent and token as node-soap, however the body is cut into chunks', () => {
  const expected = reference(answer);
  assert.equal(expected.objects.length, 3);
  assert.equal(expected.token, 'tok-1');
  assert.equal(expected.objects[0]?.properties.name, 'caf\u00e9 & \u20ac <1>');
  assert.equal(expected.objects[0]?.properties['summary.storage.committed'], '9007199254740993');
  assert.deepEqual(expected.objects[0]?.properties.one, ['only']);
  fc.assert(
    fc.property(fc.array(fc.nat({ max: answer.length }), { maxLength: 12 }), (cuts) => {
      assert.deepEqual(streamed(answer, cuts), { kind: 'page', page: expected });
    }),
  );
});

it('an empty answer (no returnval) is an empty page', () => {
  const xml = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>';
  assert.deepEqual(streamed(xml), { kind: 'page', page: { token: undefined, objects: [] } });
});

it('a per-property NotAuthenticated (vcsim) throws NOT_AUTHENTICATED as the object closes', () => {
  const xml = answer.replace('xsi:type="InvalidProperty"', 'xsi:type="NotAuthenticated"');
  assert.throws(() => streamed(xml), { name: 'VsphereError', code: 'NOT_AUTHENTICATED' });
});

it('faults are read like node-soap reads them: type from the detail xsi:type, text from faultstring', () => {
  const xml = `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>The session is not authenticated.</faultstring><detail><NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated"><object type="SessionManager">SessionManager</object></NotAuthenticatedFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
  assert.deepEqual(streamed(xml), { kind: 'fault', fault: { faultType: 'NotAuthenticated', message: 'The session is not authenticated.' } });
});

it('truncated, malformed or foreign answers throw UnreadableAnswerError, never anything else', () => {
  for (let cut = 0; cut < answer.length; cut += 97) {
    assert.throws(() => streamed(answer.slice(0, cut)), UnreadableAnswerError, `cut at ${cut}`);
  }
  assert.throws(() => streamed('<html><body>Bad gateway<br></body></html>'), UnreadableAnswerError);
  assert.throws(() => streamed('{"not":"xml"}'), UnreadableAnswerError);
  const other = answer.replaceAll('RetrievePropertiesExResponse', 'LoginResponse');
  assert.throws(() => streamed(other), /no RetrievePropertiesExResponse/);
});

it('the request is node-soap\'s own serialisation, with values escaped', () => {
  const args = {
    _this: moRef('PropertyCollector', 'propertyCollector'),
    specSet: [{ propSet: [{ type: 'Virtual<Machine>', pathSet: ['name', 'a&b"c'] }], objectSet: [{ obj: moRef('Virtual"Machine', 'vm-1&<>') }] }],
    options: { maxObjects: 500 },
  };
  const { xml, soapAction } = soapRequest(client, 'RetrievePropertiesEx', args);
  assert.equal(soapAction, '"urn:vim25/6.5"');
  const texts: string[] = [];
  const attributes: string[] = [];
  const parser = new SaxesParser({ xmlns: true });
  parser.on('text', (t) => texts.push(t));
  parser.on('opentag', (tag) => {
    for (const a of Object.values(tag.attributes)) attributes.push(a.value);
    if (tag.local === 'RetrievePropertiesEx') assert.equal(tag.uri, 'urn:vim25');
  });
  parser.write(xml).close();
  assert.ok(texts.includes('Virtual<Machine>'));
  assert.ok(texts.includes('a&b"c'));
  assert.ok(texts.includes('vm-1&<>'));
  assert.ok(attributes.includes('Virtual"Machine'));
  assert.ok(texts.includes('500'));
  const token = soapRequest(client, 'ContinueRetrievePropertiesEx', { _this: moRef('PropertyCollector', 'pc'), token: 'a<&>' });
  assert.match(token.xml, /<vim25:token>a&lt;&amp;&gt;<\/vim25:token>/);
});
