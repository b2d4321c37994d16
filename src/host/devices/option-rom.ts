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
