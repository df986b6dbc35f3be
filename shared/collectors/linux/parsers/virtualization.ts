import { keyValues } from '../sections.ts';
import type { DmiFacts } from './dmi.ts';

export interface VirtualizationFacts {
  /** Hypervisor in systemd-detect-virt's words ('kvm', 'vmware', 'microsoft', ...), 'none' on bare metal. */
  type: string;
  /** Container technology when running inside one ('docker', 'lxc', 'podman', ...). */
  container?: string;
}

const DMI_HINTS: [RegExp, string][] = [
  [/vmware/i, 'vmware'],
  [/virtualbox|innotek/i, 'oracle'],
  [/microsoft corporation.*virtual machine|^virtual machine$|hyper-v/i, 'microsoft'],
  [/amazon ec2/i, 'amazon'],
  [/google compute engine|^google$/i, 'google'],
  [/hvm domu|\bxen\b/i, 'xen'],
  [/parallels/i, 'parallels'],
  [/bochs/i, 'bochs'],
  [/\bkvm\b|\bqemu\b|openstack|standard pc \((i440fx|q35)/i, 'kvm'],
];

/**
 * Virtualization from systemd-detect-virt when present, else heuristics: DMI
 * vendor/product strings, /sys/hypervisor/type, the 'hypervisor' CPU flag,
 * and container markers (/.dockerenv, /run/.containerenv, /proc/1/cgroup).
 */
export function parseVirtualization(text: string | undefined, dmi: DmiFacts | undefined, hypervisorFlag: boolean | undefined): VirtualizationFacts | undefined {
  const kv = keyValues(text);
  let type: string | undefined;
  let container: string | undefined;

  const sdVm = kv.get('systemd-detect-virt-vm');
  const sdContainer = kv.get('systemd-detect-virt-container');
  if (sdVm) type = sdVm;
  if (sdContainer && sdContainer !== 'none') container = sdContainer;

  if (type === undefined || type === 'none') {
    const hinted = guessFromDmi(dmi) ?? (kv.get('sys-hypervisor') === 'xen' ? 'xen' : undefined);
    if (hinted) type = hinted;
    else if (hypervisorFlag === true) type = 'unknown';
    else if (type === undefined && (dmi !== undefined || hypervisorFlag === false)) type = 'none';
  }

  if (container === undefined) {
    const cgroup = kv.get('cgroup') ?? '';
    if (kv.get('dockerenv') === '1') container = 'docker';
    else if (kv.get('containerenv') === '1') container = 'podman';
    else if (/kubepods|containerd/.test(cgroup)) container = 'container-other';
    else if (/docker/.test(cgroup)) container = 'docker';
    else if (/lxc/.test(cgroup)) container = 'lxc';
    else if (/libpod/.test(cgroup)) container = 'podman';
  }

  if (type === undefined && container === undefined) return undefined;
  const out: VirtualizationFacts = { type: type ?? 'unknown' };
  if (container !== undefined) out.container = container;
  return out;
}

function guessFromDmi(dmi: DmiFacts | undefined): string | undefined {
  if (!dmi) return undefined;
  const text = [dmi.vendor, dmi.product, dmi.biosVendor, dmi.boardVendor].filter(Boolean).join(' | ');
  if (text === '') return undefined;
  for (const [re, name] of DMI_HINTS) if (re.test(text)) return name;
  return undefined;
}
