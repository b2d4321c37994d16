// The LSI option ROM (rom/, built by scripts/build-rom.mjs into build/rom/lsi53c875.rom) as
// the host serves it: through the controller's expansion ROM BAR (config 30h) under `sim`
// and `xen`, and as a file for QEMU's `-option-rom` behind the multi-process proxy, which
// does not forward an expansion ROM (docs/option-rom.md).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../worker-entry.js';

/** Where the build puts the ROM image. */
export function optionRomPath(): string {
  return join(packageRoot(), 'build', 'rom', 'lsi53c875.rom');
}

/** The built image, or null when it has not been built (then the function has no ROM BAR). */
export function loadOptionRom(): Uint8Array | null {
  const path = optionRomPath();
  if (!existsSync(path)) return null;
  const image = new Uint8Array(readFileSync(path));
  if (image.length < 512 || image[0] !== 0x55 || image[1] !== 0xaa) return null;
  return image;
}

/** The ROM BAR's size for an image: a power of two of at least 2 KiB (PCI 3.0, 6.2.5.2). */
export function romBarSize(imageBytes: number): number {
  let size = 2048;
  while (size < imageBytes) size *= 2;
  return size;
}

/** `size` bytes at `offset` of the ROM window, little-endian; past the image the window
 *  reads as 0xFF, as an unprogrammed EPROM does. */
export function readRomWindow(image: Uint8Array, offset: number, size: number): bigint {
  let value = 0n;
  for (let i = size - 1; i >= 0; i--) {
    const at = offset + i;
    value = (value << 8n) | BigInt(at < image.length ? image[at]! : 0xff);
  }
  return value;
}
