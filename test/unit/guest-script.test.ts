// Guest scripts with "#@include" lines become one file for the kit (src/host/run/guest-script.ts).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { composeGuestScript, expandGuestScript, GuestScriptError } from '../../src/host/run/guest-script.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('guest script includes', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'guest-script-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('inlines includes relative to the including file, nested, in place', () => {
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'main.sh'), '#!/bin/sh\necho first\n#@include lib/a.sh\necho last\n');
    writeFileSync(join(dir, 'lib', 'a.sh'), 'echo a-start\n#@include b.sh\necho a-end\n');
    writeFileSync(join(dir, 'lib', 'b.sh'), 'echo b\n');
    const text = expandGuestScript(join(dir, 'main.sh'));
    const run = spawnSync('sh', ['-c', text], { encoding: 'utf8' });
    expect(run.stdout).toBe('first\na-start\nb\na-end\nlast\n');
    expect(text).not.toMatch(/^#@include/m);
  });

  it('refuses a cycle and names a missing include with its includer', () => {
    writeFileSync(join(dir, 'x.sh'), '#@include y.sh\n');
    writeFileSync(join(dir, 'y.sh'), '#@include x.sh\n');
    expect(() => expandGuestScript(join(dir, 'x.sh'))).toThrow(/cycle: .*x\.sh -> .*y\.sh -> .*x\.sh/);
    writeFileSync(join(dir, 'z.sh'), 'echo z\n#@include nope.sh\n');
    expect(() => expandGuestScript(join(dir, 'z.sh'))).toThrow(GuestScriptError);
    expect(() => expandGuestScript(join(dir, 'z.sh'))).toThrow(/nope\.sh \(included from .*z\.sh\)/);
  });

  it('passes a script without includes as it is, and removes a composed copy when done', () => {
    writeFileSync(join(dir, 'plain.sh'), 'echo plain\n');
    expect(composeGuestScript(join(dir, 'plain.sh')).path).toBe(join(dir, 'plain.sh'));
    writeFileSync(join(dir, 'inc.sh'), 'echo inc\n');
    writeFileSync(join(dir, 'main.sh'), '#@include inc.sh\n');
    const composed = composeGuestScript(join(dir, 'main.sh'));
    expect(composed.path).not.toBe(join(dir, 'main.sh'));
    expect(readFileSync(composed.path, 'utf8')).toContain('echo inc');
    composed.dispose();
    expect(existsSync(composed.path)).toBe(false);
  });

  it.each(['ide-workload.sh', 'scsi-workload.sh'])('the shipped %s expands to valid sh that defines every step it calls', (name) => {
    const text = expandGuestScript(join(root, 'guest', 'scripts', name));
    expect(spawnSync('sh', ['-n'], { input: text }).status).toBe(0);
    const called = new Set([...text.matchAll(/^\s*(step_\w+)\b(?!\s*\(\))/gm)].map((m) => m[1]!));
    expect(called.size).toBeGreaterThanOrEqual(4);
    for (const step of called) expect(text).toMatch(new RegExp(`^${step}\\(\\) \\{`, 'm'));
  });

  it.each(['e1000-pair.sh', 'bench-net.sh'])('the shipped %s expands to valid sh with the NIC pair set up by the library', (name) => {
    const text = expandGuestScript(join(root, 'guest', 'scripts', name));
    expect(spawnSync('sh', ['-n'], { input: text }).status).toBe(0);
    expect(text).toMatch(/^net_pair_setup\(\) \{/m);
    expect(text).toMatch(/^net_pair_setup$/m);
    expect(text).not.toMatch(/^#@include/m);
  });

  it.each(['e1000-user.sh', 'net-workload.sh'])('the shipped %s expands to valid sh with link, lease and address from the library', (name) => {
    const text = expandGuestScript(join(root, 'guest', 'scripts', name));
    expect(spawnSync('sh', ['-n'], { input: text }).status).toBe(0);
    for (const step of ['link_wait', 'dhcp_lease', 'lease_apply']) {
      expect(text).toMatch(new RegExp(`^${step}\\(\\) \\{`, 'm'));
      expect(text).toMatch(new RegExp(`^(if )?${step}\\b(?!\\()`, 'm'));
    }
  });
});
