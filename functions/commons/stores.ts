import { FileSecretStore } from '#shared/secrets/file-secret-store.ts';
import type { SecretStore } from '#shared/secrets/secret-store.ts';
import { SecretsManagerStore } from '#shared/secrets/secrets-manager-store.ts';
import type { CredentialStore } from '#shared/store/credential-store.ts';
import { DynamoDbCredentialStore } from '#shared/store/dynamodb-credential-store.ts';
import { DynamoDbHostStore } from '#shared/store/dynamodb-host-store.ts';
import { DynamoDbPlatformStore } from '#shared/store/dynamodb-platform-store.ts';
import { DynamoDbTaskStore } from '#shared/store/dynamodb-task-store.ts';
import type { HostStore } from '#shared/store/host-store.ts';
import type { PlatformStore } from '#shared/store/platform-store.ts';
import type { TaskStore } from '#shared/store/task-store.ts';
import { credentialsTable, hostsTable, platformsTable, tableName, taskItemsTable, tasksTable } from '#shared/store/tables.ts';
import { dynamoDbClient } from '#clients/dynamodb';
import { secretsManagerClient } from '#clients/secrets-manager';

/**
 * The stores every handler uses, built lazily once per container from the
 * environment the CDK stack (or the local stack) sets. Handlers see only the
 * store interfaces.
 */
let platformStore: PlatformStore | undefined;
let hostStore: HostStore | undefined;
let taskStore: TaskStore | undefined;
let secretStore: SecretStore | undefined;
let credentialStore: CredentialStore | undefined;

export function platforms(): PlatformStore {
  platformStore ??= new DynamoDbPlatformStore(dynamoDbClient, tableName(platformsTable));
  return platformStore;
}

export function hosts(): HostStore {
  hostStore ??= new DynamoDbHostStore(dynamoDbClient, tableName(hostsTable));
  return hostStore;
}

export function tasks(): TaskStore {
  taskStore ??= new DynamoDbTaskStore(dynamoDbClient, {
    tasks: tableName(tasksTable),
    taskItems: tableName(taskItemsTable),
    platforms: tableName(platformsTable),
  });
  return taskStore;
}

export function credentials(): CredentialStore {
  credentialStore ??= new DynamoDbCredentialStore(dynamoDbClient, tableName(credentialsTable));
  return credentialStore;
}

export function secrets(): SecretStore {
  secretStore ??=
    process.env['SECRET_STORE'] === 'file'
      ? new FileSecretStore(requiredEnv('INVENTORY_DATA_DIR'))
      : new SecretsManagerStore(secretsManagerClient, process.env['SECRET_PREFIX'] ?? 'inventory/');
  return secretStore;
}

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
