// QEMU's option syntax: `driver,key=value,key=value` where ",," is a literal comma inside a
// value (QEMU's keyval/QemuOpts rules), so users can paste what they already write for QEMU.

export interface KeyvalOption {
  driver: string;
  /** Keys in order; a key may repeat (QEMU rejects that for most options, and so do callers). */
  entries: [string, string][];
}

export class OptionError extends Error {}

export function parseKeyval(text: string, what: string): KeyvalOption {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ',') {
      if (text[i + 1] === ',') {
        cur += ',';
        i++;
        continue;
      }
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  const driver = parts.shift() ?? '';
  if (!driver || driver.includes('=')) throw new OptionError(`${what} "${text}": must start with a type name`);
  const entries: [string, string][] = [];
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new OptionError(`${what} "${text}": "${p}" is not key=value`);
    entries.push([p.slice(0, eq), p.slice(eq + 1)]);
  }
  return { driver, entries };
}

/** Turns entries into a map, rejecting unknown and repeated keys with one clear line. */
export function keyMap(opt: KeyvalOption, allowed: readonly string[], what: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of opt.entries) {
    if (!allowed.includes(k)) throw new OptionError(`${what} ${opt.driver}: unknown key "${k}" (known: ${allowed.join(', ')})`);
    if (m.has(k)) throw new OptionError(`${what} ${opt.driver}: key "${k}" given twice`);
    m.set(k, v);
  }
  return m;
}

export function oneOf<T extends string>(value: string, choices: readonly T[], what: string): T {
  if (!(choices as readonly string[]).includes(value)) throw new OptionError(`${what}: "${value}" is not one of ${choices.join(', ')}`);
  return value as T;
}

export function onOff(value: string, what: string): boolean {
  if (['on', 'yes', 'true', '1'].includes(value)) return true;
  if (['off', 'no', 'false', '0'].includes(value)) return false;
  throw new OptionError(`${what}: "${value}" is not on/off`);
}
