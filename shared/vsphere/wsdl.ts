import { join } from 'node:path';

/**
 * Where the compact vSphere WSDL lives. Next to this module in the source tree; a
 * bundler must copy `vim.wsdl` next to the bundle (import.meta.dirname then points
 * there), or set VSPHERE_WSDL_PATH. In a CommonJS bundle import.meta is empty, so
 * the Lambda task root is the fallback.
 */
export function vimWsdlPath(): string {
  const override = process.env.VSPHERE_WSDL_PATH;
  if (override) return override;
  const dir = (import.meta.dirname as string | undefined) ?? process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  return join(dir, 'vim.wsdl');
}
