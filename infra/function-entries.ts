/** Where each catalog function's handler source lives, as an absolute path. */
import { join, resolve } from 'node:path';
import type { FunctionSpec } from '#functions/catalog.ts';

/** Repository root: the folder holding package.json and package-lock.json. */
export const projectRoot = resolve(import.meta.dirname, '..');

export function catalogEntry(spec: FunctionSpec): string {
  return join(projectRoot, spec.entry);
}
