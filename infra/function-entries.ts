/**
 * Where each catalog function's handler source lives, as an absolute path.
 *
 * `cdk synth` (real bundling) needs every entry to exist. Synthesis that skips
 * bundling (tests, the local stack's workflow definitions) only needs a file
 * NodejsFunction can stat, so it may fall back to a placeholder in node_modules/.cache
 * while a handler has not been written yet.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FunctionSpec } from '#functions/catalog.ts';

/** Repository root: the folder holding package.json and package-lock.json. */
export const projectRoot = resolve(import.meta.dirname, '..');

export function catalogEntry(spec: FunctionSpec): string {
  return join(projectRoot, spec.entry);
}

let placeholder: string | undefined;

/** The real entry when present, else a throwaway handler file in node_modules/.cache. */
export function catalogEntryOrPlaceholder(spec: FunctionSpec): string {
  const entry = catalogEntry(spec);
  if (existsSync(entry)) return entry;
  if (!placeholder) {
    // NodejsFunction insists the entry lies under projectRoot: use the
    // conventional (git-ignored) cache folder inside node_modules.
    const dir = join(projectRoot, 'node_modules', '.cache', 'inventory-collector-cdk');
    mkdirSync(dir, { recursive: true });
    placeholder = join(dir, 'placeholder-handler.ts');
    writeFileSync(placeholder, 'export const handler = async (): Promise<void> => {};\n');
  }
  return placeholder;
}
