// The 53C875 identity as users name it (`--device lsi53c875,...`, like QEMU's one device
// name per LSI chip) and what the host makes of it: PCI 1000:000F rev 04, a 4 KiB SCRIPTS
// RAM BAR, the option ROM in the ROM BAR, and the chip code in the core's config.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDeviceOptions } from '../../src/host/cli/device-options.js';
import { prepareLsi53c895a } from '../../src/host/devices/lsi53c895a.js';
import { loadOptionRom } from '../../src/host/devices/option-rom.js';
import type { ScsiDeviceSpec } from '../../src/host/devices/device-spec.js';

const dir = mkdtempSync(join(tmpdir(), 'hvmio-875-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const image = join(dir, 'd.img');
writeFileSync(image, Buffer.alloc(1024 * 1024));

function parse(...values: string[]): ScsiDeviceSpec {
  const [spec] = parseDeviceOptions(values, { ideMode: 'native' });
  if (spec?.kind !== 'lsi53c895a') throw new Error('not a SCSI controller');
  return spec;
}

describe('--device lsi53c875', () => {
  it('is the LSI controller with the 875 chip; scsi-hd attaches to it like to an lsi53c895a', () => {
    const spec = parse(`lsi53c875,id=boot,drive=${image}`, `scsi-hd,bus=boot.0,scsi-id=3,drive=${image}`);
    expect(spec.chip).toBe('lsi53c875');
    expect(spec.id).toBe('boot');
    expect(spec.targets.filter((t) => t !== null)).toHaveLength(2);
    expect(parse('lsi53c895a,id=x').chip).toBe('lsi53c895a');
  });

  it('prepares PCI 1000:000F rev 04 with a 4 KiB BAR2, the ROM in its ROM BAR, chip 1 in the config', () => {
    const prepared = prepareLsi53c895a(parse(`lsi53c875,id=boot,drive=${image}`));
    const id = prepared.identity;
    expect([id.vendorId, id.deviceId, id.revision, id.classCode]).toEqual([0x1000, 0x000f, 0x04, 0x010000]);
    expect(id.bars[2]).toEqual({ kind: 'mem32', size: 4096 });
    const rom = loadOptionRom();
    expect(rom).not.toBeNull();
    expect(id.romImage && Buffer.from(id.romImage).equals(Buffer.from(rom!))).toBe(true);
    expect(id.romSize).toBeGreaterThanOrEqual(rom!.length);
    expect(new DataView(prepared.config.buffer).getUint32(12, true)).toBe(1);
  });

  it('leaves the 895A as it was: 1000:0012, 8 KiB BAR2, no ROM BAR, chip 0', () => {
    const prepared = prepareLsi53c895a(parse(`lsi53c895a,id=x,drive=${image}`));
    expect([prepared.identity.deviceId, prepared.identity.romSize]).toEqual([0x0012, 0]);
    expect(prepared.identity.bars[2]).toEqual({ kind: 'mem32', size: 8192 });
    expect(new DataView(prepared.config.buffer).getUint32(12, true)).toBe(0);
  });
});
