import { keyValues, linesOf } from '../sections.ts';

export interface OsFacts {
  id?: string;
  idLike?: string;
  name?: string;
  version?: string;
  versionCodename?: string;
  prettyName?: string;
}

/** Unquotes an os-release value: "double", 'single' or bare, with backslash escapes. */
function unquote(raw: string): string {
  const v = raw.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
    const inner = v.slice(1, -1);
    return v[0] === '"' ? inner.replace(/\\(["\\$`])/g, '$1') : inner;
  }
  return v;
}

/**
 * Parses /etc/os-release. `hints` (the os-hints section: "/etc/redhat-release=...")
 * covers old systems without os-release.
 */
export function parseOsRelease(osRelease: string | undefined, hints?: string): OsFacts | undefined {
  const fields = new Map<string, string>();
  for (const line of linesOf(osRelease)) {
    if (line.trimStart().startsWith('#')) continue;
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) fields.set(m[1], unquote(m[2]));
  }
  const os: OsFacts = {};
  const set = (key: keyof OsFacts, value: string | undefined) => {
    if (value !== undefined && value !== '') os[key] = value;
  };
  set('id', fields.get('ID'));
  set('idLike', fields.get('ID_LIKE'));
  set('name', fields.get('NAME'));
  set('version', fields.get('VERSION_ID'));
  set('versionCodename', fields.get('VERSION_CODENAME'));
  set('prettyName', fields.get('PRETTY_NAME'));

  if (Object.keys(os).length === 0) {
    const h = keyValues(hints);
    const redhat = h.get('/etc/redhat-release');
    const alpine = h.get('/etc/alpine-release');
    const debian = h.get('/etc/debian_version');
    if (redhat) {
      set('prettyName', redhat);
      set('version', /release\s+([\d.]+)/.exec(redhat)?.[1]);
    } else if (alpine) {
      set('id', 'alpine');
      set('version', alpine);
      set('prettyName', `Alpine Linux v${alpine}`);
    } else if (debian) {
      set('id', 'debian');
      set('version', debian);
      set('prettyName', `Debian GNU/Linux ${debian}`);
    }
  }
  if (os.prettyName === undefined && os.name !== undefined) os.prettyName = [os.name, os.version].filter(Boolean).join(' ');
  return Object.keys(os).length > 0 ? os : undefined;
}
