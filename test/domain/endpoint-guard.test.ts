import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { forbiddenResolution, isForbiddenEndpointHost } from '#shared/domain/endpoint-guard.ts';

test('literal metadata and link-local addresses are forbidden in every spelling', () => {
  for (const url of ['http://169.254.169.254/', 'http://2852039166/', 'http://[fd00:ec2::254]/', 'http://[::ffff:169.254.169.254]/', 'http://[::a9fe:a9fe]/', 'http://[64:ff9b::a9fe:a9fe]/', 'http://[fe80::1]/']) {
    assert.equal(isForbiddenEndpointHost(new URL(url).hostname), true, url);
  }
  for (const url of ['http://10.0.0.1/', 'http://[::1]/', 'https://vcenter.example.com/sdk', 'http://127.0.0.1:8989/sdk']) {
    assert.equal(isForbiddenEndpointHost(new URL(url).hostname), false, url);
  }
});

test('every 169.254.0.0/16 address is forbidden, whatever the octets', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (a, b) => isForbiddenEndpointHost(`169.254.${a}.${b}`)));
});

test('a name that resolves to the metadata service is refused at connect time', async () => {
  const resolver = (answers: string[]) => async () => answers.map((address) => ({ address }));
  assert.match((await forbiddenResolution('evil.example', resolver(['10.0.0.5', '169.254.169.254']))) ?? '', /169\.254\.169\.254/);
  assert.equal(await forbiddenResolution('vcenter.example', resolver(['10.0.0.5'])), undefined);
  assert.equal(await forbiddenResolution('gone.example', async () => Promise.reject(new Error('ENOTFOUND'))), undefined);
  assert.match((await forbiddenResolution('[fd00:ec2::254]', resolver([]))) ?? '', /metadata/);
});
