import { linesOf } from '../sections.ts';

export interface Filesystem {
  device: string;
  mount: string;
  type?: string;
  sizeBytes: number;
  usedBytes: number;
  availableBytes: number;
}

/** Kernel and memory filesystems: not storage an inventory cares about. */
const PSEUDO_TYPES = new Set([
  'tmpfs', 'devtmpfs', 'ramfs', 'proc', 'sysfs', 'cgroup', 'cgroup2', 'devpts', 'mqueue', 'debugfs', 'tracefs',
  'securityfs', 'pstore', 'efivarfs', 'bpf', 'configfs', 'fusectl', 'hugetlbfs', 'autofs', 'binfmt_misc',
  'rpc_pipefs', 'nsfs', 'squashfs', 'selinuxfs', 'fuse.lxcfs', 'fuse.gvfsd-fuse', 'fuse.portal',
]);
/** Device names df prints for pseudo filesystems, used when /proc/mounts is missing. */
const PSEUDO_DEVICES = new Set(['tmpfs', 'devtmpfs', 'udev', 'shm', 'run', 'none', 'proc', 'sysfs', 'cgroup', 'overlay_tmp']);

/** /proc/mounts escapes space, tab, newline and backslash as octal. */
function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** mount point -> filesystem type from /proc/mounts (the last mount on a path wins). */
export function parseMounts(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of linesOf(text)) {
    const f = line.split(' ');
    if (f.length < 3 || !f[1] || !f[2]) continue;
    out.set(unescapeMount(f[1]), f[2]);
  }
  return out;
}

/**
 * Parses `df -P -k` (GNU coreutils and BusyBox), typed through /proc/mounts.
 * Pseudo filesystems (tmpfs, squashfs snaps, ...) and zero-size entries are left out.
 */
export function parseFilesystems(df: string | undefined, mounts?: string): Filesystem[] | undefined {
  if (df === undefined || df.trim() === '') return undefined;
  const types = parseMounts(mounts);
  const byMount = new Map<string, Filesystem>();
  for (const line of linesOf(df)) {
    const m = /^(.+?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+%|-)\s+(\/.*)$/.exec(line);
    if (!m) continue;
    const [, device = '', blocks = '0', used = '0', avail = '0', , mount = ''] = m;
    const type = types.get(mount);
    if (type !== undefined ? PSEUDO_TYPES.has(type) : PSEUDO_DEVICES.has(device)) continue;
    // Container layers (docker/podman overlay mounts) repeat the root filesystem; a container's own root stays.
    if ((type === 'overlay' || type === 'aufs' || (type === undefined && device === 'overlay')) && mount !== '/') continue;
    const sizeBytes = Number(blocks) * 1024;
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes === 0) continue;
    const fs: Filesystem = { device, mount, sizeBytes, usedBytes: Number(used) * 1024, availableBytes: Number(avail) * 1024 };
    if (type !== undefined) fs.type = type;
    byMount.set(mount, fs);
  }
  return [...byMount.values()];
}
