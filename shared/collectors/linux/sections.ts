/** Marker lines the facts script prints; see facts.sh. */
export const SECTION_PREFIX = '@@section ';
export const END_MARKER = '@@end';

export interface SplitOutput {
  /** Section name -> raw text (lines joined with '\n', no trailing newline). */
  sections: Map<string, string>;
  /** True when the script reached its final '@@end' line. */
  complete: boolean;
}

/**
 * Splits the script output into its sections. Text before the first marker
 * (e.g. a login banner printed by a shell rc file) is ignored; a repeated
 * section name appends to the earlier one.
 */
export function splitSections(output: string): SplitOutput {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  let complete = false;
  for (const rawLine of output.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.startsWith(SECTION_PREFIX)) {
      const name = line.slice(SECTION_PREFIX.length).trim();
      current = sections.get(name) ?? [];
      sections.set(name, current);
      continue;
    }
    if (line === END_MARKER) {
      complete = true;
      current = undefined;
      continue;
    }
    current?.push(line);
  }
  const joined = new Map<string, string>();
  for (const [name, lines] of sections) {
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    joined.set(name, lines.join('\n'));
  }
  return { sections: joined, complete };
}

/** Non-empty lines of a section's text. */
export function linesOf(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text.split('\n').filter((l) => l.trim() !== '');
}

/** `key=value` lines (value may contain '='); the first occurrence of a key wins. */
export function keyValues(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of linesOf(text)) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    if (!out.has(key)) out.set(key, line.slice(eq + 1).trim());
  }
  return out;
}

/** A finite non-negative integer from a decimal string, else undefined. */
export function toInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}
