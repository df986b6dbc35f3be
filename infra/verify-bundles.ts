/**
 * `npm run verify:bundles`: after `cdk synth`, loads every Lambda bundle from
 * a folder of its own, with no node_modules in reach, and checks it exports a
 * handler. Catches what only bundling breaks (a CommonJS dependency reaching
 * for `__dirname`, a missing external, an asset not copied).
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const cdkOut = resolve(import.meta.dirname, '..', 'cdk.out');
const template = JSON.parse(await readFile(join(cdkOut, 'InventoryCollector.template.json'), 'utf8')) as {
  Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
};
let failures = 0;
for (const [logicalId, resource] of Object.entries(template.Resources)) {
  if (resource.Type !== 'AWS::Lambda::Function') continue;
  const asset = resource.Metadata?.['aws:asset:path'];
  if (!asset) continue;
  const dir = await mkdtemp(join(tmpdir(), 'bundle-'));
  try {
    await cp(join(cdkOut, asset), dir, { recursive: true });
    const module = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler?: unknown };
    if (typeof module.handler !== 'function') throw new Error('exports no handler');
    console.log(`ok    ${logicalId}`);
  } catch (error) {
    failures++;
    console.log(`FAIL  ${logicalId}: ${(error as Error).message}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
console.log(failures === 0 ? 'every bundle loads' : `${failures} bundle(s) failed to load`);
process.exitCode = failures === 0 ? 0 : 1;
