// Finishes a linked option ROM image: pads it to a whole number of 512-byte blocks (one byte
// at least left for the checksum), writes that size into the expansion ROM header (byte 2)
// and the PCI Data Structure's image length, the PnP Expansion Header's checksum, and makes
// the last byte the checksum of the whole image (PCI Firmware Specification 3.0, 5.1; BIOS
// Boot Specification 1.01, appendix C). checkRomImage() is what a BIOS verifies.

const BLOCK = 512;

function sum8(bytes, start, end) {
  let s = 0;
  for (let i = start; i < end; i++) s = (s + bytes[i]) & 0xff;
  return s;
}

/** @param {Uint8Array} linked @returns {Uint8Array} */
export function finishRomImage(linked) {
  const blocks = Math.ceil((linked.length + 1) / BLOCK);
  if (blocks > 255) throw new Error(`option ROM of ${linked.length} bytes does not fit 255 blocks`);
  const rom = new Uint8Array(blocks * BLOCK);
  rom.set(linked);
  if (rom[0] !== 0x55 || rom[1] !== 0xaa) throw new Error('linked image does not start with 55 AA');
  const view = new DataView(rom.buffer);
  rom[2] = blocks;
  const pcir = view.getUint16(0x18, true);
  if (view.getUint32(pcir, true) !== 0x52494350) throw new Error('no PCIR structure where 18h points');
  view.setUint16(pcir + 0x10, blocks, true);
  const pnp = view.getUint16(0x1a, true);
  if (pnp !== 0) {
    if (view.getUint32(pnp, true) !== 0x506e5024) throw new Error('no $PnP header where 1Ah points');
    const len = rom[pnp + 5] * 16;
    rom[pnp + 9] = 0;
    rom[pnp + 9] = (0x100 - sum8(rom, pnp, pnp + len)) & 0xff;
  }
  rom[rom.length - 1] = 0;
  rom[rom.length - 1] = (0x100 - sum8(rom, 0, rom.length)) & 0xff;
  return rom;
}

/** Problems a BIOS would refuse the image for; empty when it is good.
 *  @param {Uint8Array} rom @returns {string[]} */
export function checkRomImage(rom) {
  const problems = [];
  if (rom.length < BLOCK || rom[0] !== 0x55 || rom[1] !== 0xaa) return ['no 55 AA signature'];
  if (rom[2] * BLOCK !== rom.length) problems.push(`size byte ${rom[2]} does not match ${rom.length} bytes`);
  if (sum8(rom, 0, rom.length) !== 0) problems.push('image checksum is not 0');
  const view = new DataView(rom.buffer, rom.byteOffset, rom.byteLength);
  const pcir = view.getUint16(0x18, true);
  if (pcir + 0x18 > rom.length || view.getUint32(pcir, true) !== 0x52494350) problems.push('no PCIR structure');
  else if (view.getUint16(pcir + 0x10, true) !== rom[2]) problems.push('PCIR image length differs from the header');
  const pnp = view.getUint16(0x1a, true);
  if (pnp) {
    if (pnp + 0x20 > rom.length || view.getUint32(pnp, true) !== 0x506e5024) problems.push('no $PnP header');
    else if (sum8(rom, pnp, pnp + rom[pnp + 5] * 16) !== 0) problems.push('PnP header checksum is not 0');
  }
  return problems;
}
