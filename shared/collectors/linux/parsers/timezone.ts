import { keyValues } from '../sections.ts';

export interface TimezoneFacts {
  /** IANA name when known ('Europe/Paris'), else the abbreviation `date +%Z` prints. */
  timezone?: string;
  /** '+01:00' style offset at collection time. */
  utcOffset?: string;
}

function fromZoneinfoPath(path: string | undefined): string | undefined {
  if (!path) return undefined;
  const m = /zoneinfo\/(?:posix\/|right\/)?(.+)$/.exec(path.trim());
  return m?.[1];
}

/**
 * Timezone from /etc/timezone (Debian, Alpine), the /etc/localtime symlink
 * (RHEL, Ubuntu), $TZ, or `date +%Z` as the last resort.
 */
export function parseTimezone(text: string | undefined): TimezoneFacts | undefined {
  const kv = keyValues(text);
  const out: TimezoneFacts = {};
  const tz =
    kv.get('etc-timezone') ||
    fromZoneinfoPath(kv.get('localtime-link')) ||
    kv.get('tz-env')?.replace(/^:/, '') ||
    kv.get('date-zone') ||
    undefined;
  if (tz) out.timezone = tz;
  const offset = kv.get('date-offset');
  const m = offset ? /^([+-])(\d{2})(\d{2})$/.exec(offset) : null;
  if (m) out.utcOffset = `${m[1]}${m[2]}:${m[3]}`;
  return Object.keys(out).length > 0 ? out : undefined;
}
