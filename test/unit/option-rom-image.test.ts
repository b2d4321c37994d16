// The option ROM image as a BIOS checks it (PCI Firmware Specification 3.0, 5.1; BIOS Boot
// Specification 1.01, appendix C): the built build/rom/lsi53c875.rom (npm run build makes
// it from rom/*.S), and the finishing script's size and checksum fix-ups on their own.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadOptionRom, optionRomPath } from '../../src/host/devices/option-rom.js';
import { readRomWindow, romBarSize } from '../../src/host/pci/expansion-rom.js';
// @ts-expect-error -- a plain .mjs build script without type declarations
import { checkRomImage, finishRomImage } from '../../scripts/rom-image.mjs';

const sum8 = (b: Uint8Array, from = 0, to = b.length): number => {
  let s = 0;
  for (let i = from; i < to; i++) s = (s + b[i]!) & 0xff;
  return s;
};
const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number): number => (u16(b, at) | (u16(b, at + 2) << 16)) >>> 0;
const ascii = (b: Uint8Array, at: number, len: number): string => String.fromCharCode(...b.subarray(at, at + len));
const cString = (b: Uint8Array, at: number): string => ascii(b, at, b.indexOf(0, at) - at);

describe('the built option ROM', () => {
  const rom = new Uint8Array(readFileSync(optionRomPath()));

  it('has the expansion ROM header: 55 AA, its size in 512-byte blocks, a jump at the init entry', () => {
    expect([rom[0], rom[1]]).toEqual([0x55, 0xaa]);
    expect(rom.length % 512).toBe(0);
    expect(rom[2]! * 512).toBe(rom.length);
    expect([0xe9, 0xeb]).toContain(rom[3]); // near or short JMP at 0003h
  });

  it('sums to 0 over the whole image, which checkRomImage agrees with', () => {
    expect(sum8(rom)).toBe(0);
    expect(checkRomImage(rom)).toEqual([]);
  });

  it('has a PCI Data Structure for 1000:000F, mass storage / SCSI, x86 code, last image', () => {
    const pcir = u16(rom, 0x18);
    expect(pcir % 4).toBe(0);
    expect(ascii(rom, pcir, 4)).toBe('PCIR');
    expect(u16(rom, pcir + 4)).toBe(0x1000);
    expect(u16(rom, pcir + 6)).toBe(0x000f);
    expect(u16(rom, pcir + 0x0a)).toBe(0x18); // structure length
    expect([rom[pcir + 0x0d], rom[pcir + 0x0e], rom[pcir + 0x0f]]).toEqual([0x00, 0x00, 0x01]); // class 01 00 00
    expect(u16(rom, pcir + 0x10)).toBe(rom[2]); // image length
    expect(rom[pcir + 0x14]).toBe(0); // code type: x86
    expect(rom[pcir + 0x15]! & 0x80).toBe(0x80); // last image
  });

  it('has a PnP Expansion Header with a checksum of 0, a BCV inside the image and no BEV', () => {
    const pnp = u16(rom, 0x1a);
    expect(pnp % 16).toBe(0);
    expect(ascii(rom, pnp, 4)).toBe('$PnP');
    const len = rom[pnp + 5]! * 16;
    expect(len).toBe(32);
    expect(sum8(rom, pnp, pnp + len)).toBe(0);
    const bcv = u16(rom, pnp + 0x16);
    expect(bcv).toBeGreaterThan(0x20);
    expect(bcv).toBeLessThan(rom.length);
    expect(u16(rom, pnp + 0x1a)).toBe(0); // BEV: none, a BCV device
    expect([rom[pnp + 0x12], rom[pnp + 0x13], rom[pnp + 0x14]]).toEqual([0x01, 0x00, 0x00]);
    expect(cString(rom, u16(rom, pnp + 0x10))).toMatch(/53C875/);
    expect(cString(rom, u16(rom, pnp + 0x0e))).toBe('hvmio');
  });

  it('is what the host serves through the ROM BAR: a power-of-two window, 0xFF past the image', () => {
    const image = loadOptionRom();
    expect(image).not.toBeNull();
    expect(Buffer.from(image!).equals(Buffer.from(rom))).toBe(true);
    expect(romBarSize(rom.length)).toBeGreaterThanOrEqual(rom.length);
    expect(readRomWindow(rom, 0, 4)).toBe(BigInt(u32(rom, 0)));
    expect(readRomWindow(rom, rom.length - 2, 4)).toBe(0xffff0000n | BigInt(u16(rom, rom.length - 2)));
  });
});

describe('scripts/rom-image.mjs', () => {
  /** A linked image with the headers at the places the ROM's are, 700 bytes long. */
  function linked(): Uint8Array {
    const b = new Uint8Array(700);
    b.set([0x55, 0xaa, 0, 0xeb, 0x20]);
    b[0x18] = 0x40; // PCIR at 40h
    b[0x1a] = 0x60; // $PnP at 60h
    b.set([...'PCIR'].map((c) => c.charCodeAt(0)), 0x40);
    b.set([...'$PnP'].map((c) => c.charCodeAt(0)), 0x60);
    b[0x65] = 2;
    for (let i = 0x100; i < 700; i++) b[i] = (i * 31) & 0xff;
    return b;
  }

  it('pads to whole blocks and fixes the size byte, PCIR image length and both checksums', () => {
    const rom = finishRomImage(linked());
    expect(rom.length).toBe(1024);
    expect(rom[2]).toBe(2);
    expect(u16(rom, 0x40 + 0x10)).toBe(2);
    expect(sum8(rom, 0x60, 0x80)).toBe(0);
    expect(sum8(rom)).toBe(0);
    expect(checkRomImage(rom)).toEqual([]);
  });

  it('leaves a byte for the checksum: 511 bytes of code take two blocks', () => {
    const b = linked().subarray(0, 512);
    expect(finishRomImage(b).length).toBe(1024);
  });

  it('checkRomImage notices a changed byte, a wrong size byte and a broken PnP checksum', () => {
    const rom = finishRomImage(linked());
    const flipped = rom.slice();
    flipped[300]! ^= 1;
    expect(checkRomImage(flipped)).toContain('image checksum is not 0');
    const resized = rom.slice();
    resized[2] = 3;
    expect(checkRomImage(resized).join()).toMatch(/size byte 3/);
    const pnp = rom.slice();
    pnp[0x70]! ^= 0x01;
    expect(checkRomImage(pnp)).toContain('PnP header checksum is not 0');
  });

  it('refuses an image without 55 AA or without a PCIR structure', () => {
    const noSig = linked();
    noSig[0] = 0;
    expect(() => finishRomImage(noSig)).toThrow(/55 AA/);
    const noPcir = linked();
    noPcir[0x40] = 0x58;
    expect(() => finishRomImage(noPcir)).toThrow(/PCIR/);
  });
});
