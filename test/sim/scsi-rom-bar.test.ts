// Under `sim` the option ROM reaches the guest the way a PCI BIOS finds it: through the
// LSI 53C875's expansion ROM BAR (config 30h), whose window the host bridge answers from
// the built image (PciIdentity.romImage). The BIOS sizes it, places it, enables it (bit 0
// with COMMAND memory decode) and reads the image; disabled, the window is gone.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optionRomPath } from '../../src/host/devices/option-rom.js';
import { romBarSize } from '../../src/host/pci/expansion-rom.js';
import { SimMachine, type DriveSpec } from '../../src/host/transports/sim/machine.js';
import { PciBios, type PciFunctionInfo } from '../../src/host/transports/sim/drivers/pci-enum.js';
import { PciConfigAccess } from '../../src/host/transports/sim/drivers/pci-config-access.js';
import { gpa } from '../../src/shared-mem/types.js';
import { ScratchDir } from './support/scratch-images.js';

const MiB = 1024 * 1024;
const ROM_REG = 0x30;

describe('the option ROM in the LSI 53C875\'s ROM BAR (sim)', () => {
  let scratch: ScratchDir;
  let machine: SimMachine;
  let fn: PciFunctionInfo;
  let config: PciConfigAccess;
  const image = new Uint8Array(readFileSync(optionRomPath()));

  beforeAll(async () => {
    scratch = new ScratchDir('hvmio-sim-rom-');
    const targets = new Array<DriveSpec | null>(16).fill(null);
    targets[0] = { path: scratch.image('disk0.img', 4 * MiB), cache: 'writeback', media: 'disk' };
    machine = await SimMachine.start({ devices: [{ kind: 'lsi53c895a', chip: 'lsi53c875', id: 'scsi0', targets }], ramBytes: 16 * MiB });
    const bios = new PciBios(machine.bus, { intxLine: (bdf) => machine.intxLine(bdf) });
    await bios.enumerate();
    const found = bios.functions.find((f) => f.vendorId === 0x1000 && f.deviceId === 0x000f);
    if (!found) throw new Error('the BIOS did not find a 1000:000F function');
    fn = found;
    config = new PciConfigAccess(machine.bus);
  });

  afterAll(async () => {
    await machine?.stop();
    scratch?.remove();
  });

  async function readWindow(base: number, len: number): Promise<Uint8Array> {
    const out = new Uint8Array(len);
    const view = new DataView(out.buffer);
    for (let i = 0; i < len; i += 4) view.setUint32(i, Number(await machine.bus.mmioRead(gpa(base + i), 4)), true);
    return out;
  }

  it('enumerates as 1000:000F rev 04 with a 4 KiB SCRIPTS RAM BAR and a ROM BAR sized for the image', () => {
    expect(fn.revision).toBe(0x04);
    expect(fn.bars.find((b) => b.index === 2)?.size).toBe(4096);
    expect(fn.rom).not.toBeNull();
    expect(fn.rom!.size).toBe(romBarSize(image.length));
    expect(fn.rom!.size).toBeGreaterThanOrEqual(image.length);
  });

  it('sizing the ROM BAR reads back the size mask with the enable bit writable', async () => {
    const saved = await config.read(fn.bdf, ROM_REG, 4);
    await config.write(fn.bdf, ROM_REG, 4, 0xfffffffe);
    expect(await config.read(fn.bdf, ROM_REG, 4)).toBe((~(fn.rom!.size - 1) & 0xfffff800) >>> 0);
    await config.write(fn.bdf, ROM_REG, 4, saved);
  });

  it('enabled, the window holds the image: 55 AA, PCIR for 1000:000F, checksum 0, 0xFF after it', async () => {
    await config.write(fn.bdf, ROM_REG, 4, fn.rom!.address | 1);
    const seen = await readWindow(fn.rom!.address, fn.rom!.size);
    expect([seen[0], seen[1]]).toEqual([0x55, 0xaa]);
    const blocks = seen[2]!;
    expect(blocks * 512).toBe(image.length);
    let sum = 0;
    for (let i = 0; i < blocks * 512; i++) sum = (sum + seen[i]!) & 0xff;
    expect(sum).toBe(0);
    const pcir = seen[0x18]! | (seen[0x19]! << 8);
    expect(String.fromCharCode(...seen.subarray(pcir, pcir + 4))).toBe('PCIR');
    expect(seen[pcir + 6]! | (seen[pcir + 7]! << 8)).toBe(0x000f);
    expect(Buffer.from(seen.subarray(0, image.length)).equals(Buffer.from(image))).toBe(true);
    expect(seen.subarray(image.length).every((b) => b === 0xff)).toBe(true);
  });

  it('disabled again (bit 0 clear), the window no longer answers', async () => {
    await config.write(fn.bdf, ROM_REG, 4, fn.rom!.address);
    expect(await machine.bus.mmioRead(gpa(fn.rom!.address), 4)).toBe(0xffffffffn);
  });
});
