/**
 * One catalog entry (functions/catalog.ts) as a NodejsFunction: newest Node
 * runtime, ARM64, ESM bundle with the AWS SDK bundled in, active tracing, its
 * own log group and a role that can write only to that log group. Data access
 * is granted separately (see InventoryStack) from the entry's `access`.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionSpec } from '#functions/catalog.ts';

/** Newest Node.js runtime this aws-cdk-lib offers (nodejs24.x). */
export const NODE_RUNTIME = lambda.Runtime.NODEJS_24_X;

export const VSPHERE_WSDL_SOURCE = 'shared/vsphere/vim.wsdl';
export const VSPHERE_WSDL_PATH = '/var/task/vim.wsdl';

const DEFAULT_TIMEOUT_SECONDS = 10;
const DEFAULT_MEMORY_MB = 512;

/**
 * ESM bundles have no `require`, `__filename` or `__dirname`; CommonJS
 * dependencies bundled into them still use them (the AWS SDK's `require`,
 * ssh2's Emscripten-built poly1305 its `__dirname`), so give the module them.
 */
export const ESM_REQUIRE_BANNER = [
  "import { createRequire as __inventoryCreateRequire } from 'node:module';",
  "import { fileURLToPath as __inventoryFileURLToPath } from 'node:url';",
  "const require = __inventoryCreateRequire(import.meta.url);",
  'const __filename = __inventoryFileURLToPath(import.meta.url);',
  "const __dirname = __inventoryFileURLToPath(new URL('.', import.meta.url));",
].join(' ');

export interface InventoryFunctionProps {
  spec: FunctionSpec;
  /** Absolute path of the handler source. */
  entry: string;
  projectRoot: string;
  depsLockFilePath: string;
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

export class InventoryFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: InventoryFunctionProps) {
    super(scope, id);
    const { spec } = props;
    // Functions that speak SOAP need the compact WSDL next to their bundle.
    const talksToVsphere = spec.access.vsphere === true;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    // A role of our own instead of AWSLambdaBasicExecutionRole: logs go to this
    // function's log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${spec.id} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: props.depsLockFilePath,
      description: spec.description,
      runtime: NODE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.seconds(spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
      memorySize: spec.memoryMb ?? DEFAULT_MEMORY_MB,
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
        ...(talksToVsphere ? { VSPHERE_WSDL_PATH } : {}),
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        // The AWS SDK is bundled (pinned version, tree-shaken); only ssh2's
        // optional native addons stay out: ssh2 falls back to pure JS without them.
        externalModules: ['cpu-features', '*/sshcrypto.node'],
        ...(talksToVsphere
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) => [
                  `cp "${inputDir}/${VSPHERE_WSDL_SOURCE}" "${outputDir}/vim.wsdl"`,
                ],
              },
            }
          : {}),
      },
    });
  }
}
