/**
 * The state machine definitions the local stack runs on aws-local-stepfunctions,
 * taken from the very CloudFormation template CDK synthesizes for AWS: the
 * InventoryStack is synthesized in-process (bundling skipped), the
 * DefinitionString read back from the template, and its intrinsics (Fn::Join,
 * Fn::GetAtt, Ref) resolved to fixed fake ARNs so the runner's ARN validator
 * accepts them and Task states can be bound to in-process handlers.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { allFunctions } from '#functions/catalog.ts';
import { STACK_NAME } from './app.ts';
import { catalogEntry } from './function-entries.ts';
import { InventoryStack } from './inventory-stack.ts';

export const LOCAL_PARTITION = 'aws';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';

/** The local names of the state machines (also the last segment of their local ARNs). */
export type LocalWorkflowName = 'platform-sync' | 'collect-hosts';

export interface LocalWorkflow {
  name: LocalWorkflowName;
  stateMachineArn: string;
  /** Amazon States Language, every CDK token resolved to a concrete value. */
  definition: Record<string, unknown>;
  /** Function ARN as it appears in a Task's Parameters.FunctionName -> catalog id. */
  functionIdByArn: Record<string, string>;
}

export function localFunctionArn(catalogId: string): string {
  return `arn:${LOCAL_PARTITION}:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${catalogId}`;
}

export function localStateMachineArn(name: string): string {
  return `arn:${LOCAL_PARTITION}:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`;
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': LOCAL_PARTITION,
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/**
 * Resolves the intrinsics a DefinitionString can contain. `arns` maps logical
 * ids to the value of both `Ref` and `Fn::GetAtt [id, "Arn"]` (for a Lambda
 * function both resolve to something invocable; the local runner only needs
 * a well-formed ARN). Anything else is an error, not a silent passthrough.
 */
export function resolveIntrinsics(value: unknown, arns: Record<string, string>): unknown {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, arns));
  if (typeof value !== 'object') throw new Error(`unexpected value in template: ${String(value)}`);
  const entries = Object.entries(value);
  const [key, arg] = entries[0] ?? [];
  if (entries.length === 1 && key?.startsWith('Fn::') || key === 'Ref') {
    if (key === 'Ref') {
      const name = String(arg);
      const resolved = PSEUDO_PARAMETERS[name] ?? arns[name];
      if (resolved === undefined) throw new Error(`cannot resolve Ref ${name}`);
      return resolved;
    }
    if (key === 'Fn::GetAtt') {
      const [logicalId, attribute] = arg as [string, string];
      const resolved = attribute === 'Arn' ? arns[logicalId] : undefined;
      if (resolved === undefined) throw new Error(`cannot resolve Fn::GetAtt ${logicalId}.${attribute}`);
      return resolved;
    }
    if (key === 'Fn::Join') {
      const [separator, parts] = arg as [string, unknown[]];
      return parts.map((p) => String(resolveIntrinsics(p, arns))).join(separator);
    }
    throw new Error(`unsupported intrinsic ${key}`);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveIntrinsics(v, arns)]));
}

interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

export async function synthesizeLocalWorkflows(): Promise<LocalWorkflow[]> {
  const outdir = mkdtempSync(join(tmpdir(), 'inventory-local-synth-'));
  try {
    const app = new App({
      outdir,
      context: { 'aws:cdk:bundling-stacks': [] },
      analyticsReporting: false,
      // The built-in CloudFormation schema validation costs ~3 s and `cdk synth`
      // already runs it on this same stack; the local stack only needs the ASL.
      builtinCloudFormationValidation: false,
    });
    const stack = new InventoryStack(app, STACK_NAME, { entryFor: catalogEntry });
    const assembly = app.synth();
    const template = JSON.parse(readFileSync(assembly.getStackByName(stack.stackName).templateFullPath, 'utf8')) as {
      Resources: Record<string, TemplateResource>;
    };

    const arns: Record<string, string> = {};
    const functionIdByArn: Record<string, string> = {};
    for (const spec of allFunctions) {
      const arn = localFunctionArn(spec.id);
      arns[stack.functionLogicalId(spec.id)] = arn;
      functionIdByArn[arn] = spec.id;
    }

    const workflow = (name: LocalWorkflowName, stateMachine: sfn.StateMachine): LocalWorkflow => {
      const stateMachineLogicalId = stack.getLogicalId(stateMachine.node.defaultChild as CfnElement);
      const resource = template.Resources[stateMachineLogicalId];
      if (resource?.Type !== 'AWS::StepFunctions::StateMachine') {
        throw new Error(`state machine ${stateMachineLogicalId} (${name}) not found in the synthesized template`);
      }
      const definitionString = resolveIntrinsics(resource.Properties?.DefinitionString, arns);
      if (typeof definitionString !== 'string') throw new Error(`DefinitionString of ${name} did not resolve to a string`);
      return {
        name,
        stateMachineArn: localStateMachineArn(name),
        definition: JSON.parse(definitionString) as Record<string, unknown>,
        functionIdByArn: { ...functionIdByArn },
      };
    };

    return [workflow('platform-sync', stack.workflow.stateMachine), workflow('collect-hosts', stack.collectHosts.stateMachine)];
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
