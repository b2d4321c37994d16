#!/usr/bin/env node
// Builds the LSI option ROM (rom/*.S) into build/rom/lsi53c875.rom with GNU as and ld from
// binutils, then finishes it (size, checksums) with scripts/rom-image.mjs. Rebuilt only when
// a source under rom/ or this script is newer than the image. On a Debian machine without
// binutils it installs them with guest/boot/ensure-packages.sh (apt, as guest/build-guest.sh
// does for QEMU; root needed then); otherwise it says what is missing and exits 2.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkRomImage, finishRomImage } from './rom-image.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const srcDir = join(root, 'rom');
const outDir = join(root, 'build', 'rom');
const objDir = join(outDir, 'obj');
export const romPath = join(outDir, 'lsi53c875.rom');

function have(tool) {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** binutils through the project's package helper (guest/boot/ensure-packages.sh: apt-get,
 *  root needed only when something is missing; otherwise one line and exit status 2). */
function ensureBinutils() {
  if (have('as') && have('ld')) return;
  console.log('build-rom: GNU as/ld missing, installing binutils');
  const r = spawnSync('bash', [join(root, 'guest', 'boot', 'ensure-packages.sh'), 'binutils'], { stdio: 'inherit' });
  if (r.status !== 0 || !(have('as') && have('ld'))) {
    console.error('build-rom: GNU as and ld are needed (Debian package binutils) and could not be installed');
    process.exit(2);
  }
}

const sources = readdirSync(srcDir).filter((f) => f.endsWith('.S')).sort();
const inputs = [...readdirSync(srcDir).map((f) => join(srcDir, f)), join(here, 'build-rom.mjs'), join(here, 'rom-image.mjs')];
const newest = Math.max(...inputs.map((p) => statSync(p).mtimeMs));
// A ROM_TRACE build and a normal one differ: remember which one the image is.
const flags = process.env.ROM_TRACE === '1' ? 'trace' : 'normal';
const flagsPath = join(outDir, 'build-flags');
const sameFlags = existsSync(flagsPath) && readFileSync(flagsPath, 'utf8') === flags;
if (existsSync(romPath) && sameFlags && statSync(romPath).mtimeMs >= newest && !process.env.FORCE_ROM_BUILD) process.exit(0);

ensureBinutils();
mkdirSync(objDir, { recursive: true });
const objects = [];
for (const src of sources) {
  const obj = join(objDir, src.replace(/\.S$/, '.o'));
  const trace = process.env.ROM_TRACE === '1' ? ['--defsym', 'ROM_TRACE=1'] : [];
  const r = spawnSync('as', ['--32', ...trace, '-I', srcDir, '-o', obj, join(srcDir, src)], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build-rom: as failed on rom/${src}`);
    process.exit(1);
  }
  objects.push(obj);
}
const linked = join(objDir, 'linked.bin');
// The map names where every symbol landed; the unit tests take the SCRIPTS program from it.
const ld = spawnSync('ld', ['-m', 'elf_i386', '-T', join(srcDir, 'rom.ld'), '-Map', join(outDir, 'lsi53c875.map'), '-o', linked, ...objects], { stdio: 'inherit' });
if (ld.status !== 0) {
  console.error('build-rom: ld failed');
  process.exit(1);
}
const rom = finishRomImage(new Uint8Array(readFileSync(linked)));
const problems = checkRomImage(rom);
if (problems.length) {
  console.error(`build-rom: finished image is bad: ${problems.join('; ')}`);
  process.exit(1);
}
writeFileSync(romPath, rom);
writeFileSync(flagsPath, flags);
console.log(`build-rom: built build/rom/lsi53c875.rom (${rom.length} bytes)`);
