/**
 * DynamoDB Local, AWS's own emulator, for the local stack and the integration tests.
 *
 * The jar ships inside the npm package `amplify-dynamodb-simulator`. Installing that
 * package would pull 283 dependencies for one folder, so the pinned tarball is fetched
 * with `npm pack`, checked against a pinned integrity, and only `package/emulator/` is
 * unpacked into `<repo>/.cache/dynamodb-local/<version>/`, which later starts reuse.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { AttributeDefinition, GlobalSecondaryIndex, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { allTables } from '#shared/store/tables.ts';
import type { KeyAttribute, TableSpec } from '#shared/store/tables.ts';

/** Pinned package version; bump together with the three hashes below. */
export const SIMULATOR_VERSION = '2.9.30';
/** npm's integrity of amplify-dynamodb-simulator-2.9.30.tgz (sha512 of the tarball). */
const SIMULATOR_TARBALL_INTEGRITY =
  'sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==';
/** SHA-256 of emulator/DynamoDBLocal.jar in that tarball (DynamoDB Local 1.25.1). */
const JAR_SHA256 = '454305e9bc3e6ebcca5b62569869e31563b8d7e346474e94557b2600702146c7';
/**
 * Content of the package's `emulator/sha256` file. It is NOT a checksum of the unpacked
 * files: the package's build script stores there the SHA-256 of AWS's
 * `dynamodb_local_latest.tar.gz` it unpacked the emulator from. It cannot verify anything
 * we unpack, so it is only compared to tell which upstream release the package carries.
 */
const UPSTREAM_ARCHIVE_SHA256 = '55b425a9a42cfc728436eaf0e4ae64d688b64d177c99c4f4c4d7e3dbb3ac6c09';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const VERIFIED_MARKER = '.verified';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export interface DynamoDbLocalOptions {
  /** Persist tables in this folder (`-dbPath`); absent keeps everything in memory. */
  dataDir?: string;
  /** Port to listen on; a free one is picked when absent. */
  port?: number;
  /** Where the unpacked emulator is cached; defaults to `<repo>/.cache/dynamodb-local`. */
  cacheDir?: string;
}

export interface DynamoDbLocal {
  endpoint: string;
  /** Process id of the JVM, for diagnostics and orphan checks. */
  pid: number;
  stop(): Promise<void>;
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  assertJavaInstalled();
  const emulatorDir = await ensureEmulator(options.cacheDir ?? join(REPO_ROOT, '.cache', 'dynamodb-local'));
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const port = options.port ?? (await findFreePort());

  const javaArgs = [
    // C1 only: the emulator lives minutes to hours, and C2's compilations cost more
    // CPU than they save (6,000 cold puts: 5.2 s of JVM CPU with C2, 1.8 s without).
    '-XX:TieredStopAtLevel=1',
    `-Djava.library.path=${join(emulatorDir, 'DynamoDBLocal_lib')}`,
    '-jar',
    'DynamoDBLocal.jar',
    '-port',
    String(port),
    ...(options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory']),
    // One database for every access key and region, so the app, tests and tools see the same tables.
    '-sharedDb',
    // Telemetry would try to reach AWS; this machine has no network beyond package registries.
    '-disableTelemetry',
  ];
  const jvm = spawnGuardedJvm(javaArgs, emulatorDir);
  const endpoint = `http://127.0.0.1:${port}`;

  try {
    await waitUntilAnswering(endpoint, jvm);
  } catch (error) {
    await jvm.stop();
    throw error;
  }
  return { endpoint, pid: jvm.jvmPid, stop: () => jvm.stop() };
}

function assertJavaInstalled(): void {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'DynamoDB Local needs Java (17 or newer), and `java` was not found on PATH: install the Debian package default-jre-headless (apt-get update && apt-get install -y default-jre-headless)',
    );
  }
}

/** Returns the folder holding DynamoDBLocal.jar, unpacking the pinned package on first use. */
export async function ensureEmulator(cacheRoot: string): Promise<string> {
  const emulatorDir = join(cacheRoot, SIMULATOR_VERSION);
  if (existsSync(join(emulatorDir, VERIFIED_MARKER))) return emulatorDir;

  await mkdir(cacheRoot, { recursive: true });
  // Unpack next to the final folder so the last step is an atomic rename on the same disk.
  const workDir = await mkdtemp(join(cacheRoot, `.unpack-${SIMULATOR_VERSION}-`));
  const packDir = await mkdtemp(join(tmpdir(), 'dynamodb-local-pack-'));
  try {
    const tarball = await npmPack(packDir);
    const integrity = `sha512-${await hashFile(tarball, 'sha512', 'base64')}`;
    if (integrity !== SIMULATOR_TARBALL_INTEGRITY) {
      throw new Error(`amplify-dynamodb-simulator@${SIMULATOR_VERSION} tarball integrity ${integrity} differs from the pinned ${SIMULATOR_TARBALL_INTEGRITY}`);
    }
    run('tar', ['-xzf', tarball, '-C', workDir, 'package/emulator'], workDir);
    const unpacked = join(workDir, 'package', 'emulator');

    const jarSha256 = await hashFile(join(unpacked, 'DynamoDBLocal.jar'), 'sha256', 'hex');
    if (jarSha256 !== JAR_SHA256) throw new Error(`DynamoDBLocal.jar SHA-256 ${jarSha256} differs from the pinned ${JAR_SHA256}`);
    const shippedSha256Path = join(unpacked, 'sha256');
    if (existsSync(shippedSha256Path)) {
      const upstream = (await readFile(shippedSha256Path, 'utf8')).trim().slice(0, 64);
      if (upstream !== UPSTREAM_ARCHIVE_SHA256) throw new Error(`emulator/sha256 names upstream archive ${upstream}, expected ${UPSTREAM_ARCHIVE_SHA256}`);
    }
    await writeFile(join(unpacked, VERIFIED_MARKER), `${SIMULATOR_TARBALL_INTEGRITY}\nDynamoDBLocal.jar ${JAR_SHA256}\n`);

    try {
      await rename(unpacked, emulatorDir);
    } catch (error) {
      // Another process (parallel test files) finished first: its copy is as good as ours.
      if (!existsSync(join(emulatorDir, VERIFIED_MARKER))) throw error;
    }
    return emulatorDir;
  } finally {
    await rm(workDir, { recursive: true, force: true });
    await rm(packDir, { recursive: true, force: true });
  }
}

async function npmPack(destination: string): Promise<string> {
  run('npm', ['pack', `amplify-dynamodb-simulator@${SIMULATOR_VERSION}`, '--pack-destination', destination, '--silent'], destination);
  const tarball = (await readdir(destination)).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack produced no tarball');
  return join(destination, tarball);
}

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}: ${result.stderr.trim()}`);
}

async function hashFile(path: string, algorithm: 'sha256' | 'sha512', encoding: 'hex' | 'base64'): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest(encoding);
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port assigned'))));
    });
  });
}

interface GuardedJvm {
  jvmPid: number;
  exited: Promise<void>;
  hasExited(): boolean;
  outputTail(): string;
  stop(): Promise<void>;
}

/**
 * The JVM runs under a tiny `sh` guard that kills it as soon as the guard's stdin, a pipe
 * from this process, closes. The kernel closes that pipe however this process ends (normal
 * exit, SIGINT, SIGTERM, even SIGKILL or a crash), so the JVM never outlives us, and no
 * signal listener is installed that would change how the parent reacts to signals.
 * stop() closes the pipe itself, and the guard exits only after the JVM has.
 */
const GUARD_SCRIPT = `
trap '' INT
"$@" </dev/null &
jvm=$!
echo "jvm-pid $jvm"
cat >/dev/null
kill $jvm 2>/dev/null
wait $jvm
`;

function spawnGuardedJvm(javaArgs: string[], cwd: string): GuardedJvm {
  // A process group of its own: a Ctrl-C in the terminal reaches the JVM only through the guard.
  const guard: ChildProcess = spawn('sh', ['-c', GUARD_SCRIPT, 'dynamodb-local-guard', 'java', ...javaArgs], {
    cwd,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let tail = '';
  let jvmPid = 0;
  const keepTail = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
    const match = /jvm-pid (\d+)/.exec(tail);
    if (match && !jvmPid) jvmPid = Number(match[1]);
  };
  guard.stdout?.on('data', keepTail);
  guard.stderr?.on('data', keepTail);
  // Read by nothing but the guard; a broken pipe after the guard exits is expected.
  guard.stdin?.on('error', () => {});

  let exitedFlag = false;
  const exited = new Promise<void>((resolve) => {
    guard.once('exit', () => {
      exitedFlag = true;
      process.removeListener('exit', killOnParentExit);
      resolve();
    });
  });
  // Belt and braces for a normal exit: the pipe closes anyway, this only makes it immediate.
  const killOnParentExit = () => {
    try {
      process.kill(-(guard.pid ?? 0), 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.on('exit', killOnParentExit);
  // Never keep the parent alive just for the emulator: when it exits, the pipe closes and the guard ends the JVM.
  guard.unref();
  for (const stream of [guard.stdin, guard.stdout, guard.stderr]) (stream as Socket | null)?.unref();

  const stop = async (): Promise<void> => {
    if (exitedFlag) return;
    guard.stdin?.end();
    const timer = setTimeout(() => {
      // The JVM ignored SIGTERM: end the whole group (guard, cat and JVM).
      try {
        process.kill(-(guard.pid ?? 0), 'SIGKILL');
      } catch {
        // already gone
      }
    }, STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  return {
    get jvmPid() {
      return jvmPid;
    },
    exited,
    hasExited: () => exitedFlag,
    outputTail: () => tail,
    stop,
  };
}

async function waitUntilAnswering(endpoint: string, jvm: GuardedJvm): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials, maxAttempts: 1 });
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      if (jvm.hasExited()) throw new Error(`DynamoDB Local exited during start-up:\n${jvm.outputTail()}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`DynamoDB Local did not answer within ${START_TIMEOUT_MS} ms:\n${jvm.outputTail()}`, { cause: error });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    client.destroy();
  }
}

/** DynamoDB Local accepts any credentials; these keep the SDK from searching for real ones. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface CreatedTable {
  id: TableSpec['id'];
  name: string;
  created: boolean;
}

/**
 * Creates the tables from the same specs CDK deploys: on-demand billing, GSIs, TTL.
 * Tables that already exist are left as they are, so every start can call this.
 */
export async function createTables(
  client: DynamoDBClient,
  specs: TableSpec[] = allTables,
  names: Partial<Record<TableSpec['id'], string>> = {},
): Promise<CreatedTable[]> {
  const results: CreatedTable[] = [];
  for (const spec of specs) {
    const name = names[spec.id];
    if (!name) throw new Error(`no physical table name given for table spec "${spec.id}"`);
    let created = true;
    try {
      await client.send(new CreateTableCommand(createTableInput(spec, name)));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
      created = false;
    }
    if (spec.timeToLiveAttribute) await enableTimeToLive(client, name, spec.timeToLiveAttribute);
    results.push({ id: spec.id, name, created });
  }
  return results;
}

function createTableInput(spec: TableSpec, name: string) {
  const attributes = new Map<string, KeyAttribute['type']>();
  const keySchema = (partitionKey: KeyAttribute, sortKey?: KeyAttribute): KeySchemaElement[] => {
    for (const key of [partitionKey, sortKey]) if (key) attributes.set(key.name, key.type);
    return [{ AttributeName: partitionKey.name, KeyType: 'HASH' }, ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' as const }] : [])];
  };
  const tableKeySchema = keySchema(spec.partitionKey, spec.sortKey);
  const indexes: GlobalSecondaryIndex[] = spec.indexes.map((index) => ({
    IndexName: index.indexName,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection: index.nonKeyAttributes
      ? { ProjectionType: 'INCLUDE', NonKeyAttributes: index.nonKeyAttributes }
      : { ProjectionType: 'ALL' },
  }));
  const attributeDefinitions: AttributeDefinition[] = [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: attributeDefinitions,
    KeySchema: tableKeySchema,
    ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
  };
}

async function enableTimeToLive(client: DynamoDBClient, tableName: string, attributeName: string): Promise<void> {
  const current = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = current.TimeToLiveDescription?.TimeToLiveStatus;
  // Enabling twice is an error in DynamoDB, so look first.
  if (status === 'ENABLED' || status === 'ENABLING') return;
  await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { Enabled: true, AttributeName: attributeName } }));
}

/** Physical names for a local stack: `inventory-<id>`, overridable by a prefix. */
export function localTableNames(prefix = 'inventory'): Record<TableSpec['id'], string> {
  return Object.fromEntries(allTables.map((spec) => [spec.id, `${prefix}-${spec.id}`])) as Record<TableSpec['id'], string>;
}
