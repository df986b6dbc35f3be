/**
 * Secrets Manager has no local counterpart, so this one test talks to a
 * mocked Secrets Manager client (aws-sdk-client-mock). The file store that
 * the local stack uses is exercised for real by the API and collection tests.
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretsManagerStore } from '#shared/secrets/secrets-manager-store.ts';

const secretsManager = mockClient(SecretsManagerClient);
const store = new SecretsManagerStore(new SecretsManagerClient({ region: 'us-east-1' }), 'inventory/');

beforeEach(() => secretsManager.reset());

test('mocked Secrets Manager: a new secret is created under the prefix', async () => {
  secretsManager.on(CreateSecretCommand).resolves({});
  await store.put('platform/p1', { username: 'u', password: 'p' });
  const calls = secretsManager.commandCalls(CreateSecretCommand);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.args[0].input.Name, 'inventory/platform/p1');
  assert.deepEqual(JSON.parse(calls[0]!.args[0].input.SecretString!), { username: 'u', password: 'p' });
});

test('mocked Secrets Manager: an existing secret gets a new version instead', async () => {
  secretsManager.on(CreateSecretCommand).rejects(new ResourceExistsException({ message: 'exists', $metadata: {} }));
  secretsManager.on(PutSecretValueCommand).resolves({});
  await store.put('platform/p1', { password: 'rotated' });
  assert.equal(secretsManager.commandCalls(PutSecretValueCommand)[0]!.args[0].input.SecretId, 'inventory/platform/p1');
});

test('mocked Secrets Manager: get parses the secret, and a missing one is undefined', async () => {
  secretsManager.on(GetSecretValueCommand, { SecretId: 'inventory/host/h1' }).resolves({ SecretString: '{"username":"root","privateKey":"k"}' });
  secretsManager.on(GetSecretValueCommand, { SecretId: 'inventory/host/gone' }).rejects(new ResourceNotFoundException({ message: 'no', $metadata: {} }));
  assert.deepEqual(await store.get('host/h1'), { username: 'root', privateKey: 'k' });
  assert.equal(await store.get('host/gone'), undefined);
});

test('mocked Secrets Manager: delete keeps a recovery window and tolerates a missing secret', async () => {
  secretsManager.on(DeleteSecretCommand).rejectsOnce(new ResourceNotFoundException({ message: 'no', $metadata: {} })).resolves({});
  await store.delete('credential/c1');
  await store.delete('credential/c2');
  const calls = secretsManager.commandCalls(DeleteSecretCommand);
  assert.equal(calls.length, 2);
  assert.equal(calls[1]!.args[0].input.RecoveryWindowInDays, 7);
});

test('mocked Secrets Manager: other errors are not swallowed', async () => {
  secretsManager.on(GetSecretValueCommand).rejects(new Error('AccessDenied'));
  await assert.rejects(store.get('platform/p1'), /AccessDenied/);
});
