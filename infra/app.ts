/**
 * CDK app entry (cdk.json: `node infra/app.ts`). Applies the cdk-nag 3
 * AwsSolutions pack as a policy-validation plugin: unacknowledged findings
 * fail `cdk synth`. Acknowledgements live next to the constructs they concern.
 */
import { App, Validations } from 'aws-cdk-lib';
import type { AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InventoryStack } from './inventory-stack.ts';
import type { InventoryStackProps } from './inventory-stack.ts';

export const STACK_NAME = 'InventoryCollector';

export interface InventoryApp {
  app: App;
  stack: InventoryStack;
}

export function buildApp(appProps: AppProps = {}, stackProps: InventoryStackProps = {}): InventoryApp {
  const app = new App(appProps);
  const stack = new InventoryStack(app, STACK_NAME, {
    description: 'Inventory collector: vCenter platforms, ESXi hosts, VMs and servers',
    ...stackProps,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (import.meta.main) {
  buildApp().app.synth();
}
