#!/usr/bin/env bash
# build-boot-sector.sh OUTDIR
#
# Assembles boot-sector.S (GNU as, .code16) and links it with boot-sector.ld into
# OUTDIR/boot-sector.bin: a flat image whose first 512 bytes are the boot sector (stage 1,
# 55 AA at 510) and whose following sectors are stage 2. Also writes OUTDIR/boot-sector.map
# (symbol addresses, for debugging). Installs binutils when missing (ensure-packages.sh).
# The configuration block at offset 0x1A0 is filled in by whoever writes the test image
# (test/helpers/boot-kit.ts).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
"$here/ensure-packages.sh" binutils
mkdir -p "$1"
out=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

as --32 -o "$tmp/boot-sector.o" "$here/boot-sector.S"
ld -m elf_i386 -T "$here/boot-sector.ld" -Map "$tmp/boot-sector.map" -o "$tmp/boot-sector.bin" "$tmp/boot-sector.o"
size=$(stat -c %s "$tmp/boot-sector.bin")
sig=$(od -An -tx1 -j510 -N2 "$tmp/boot-sector.bin" | tr -d ' ')
if [ $((size % 512)) -ne 0 ] || [ "$size" -lt 1024 ] || [ "$sig" != 55aa ]; then
  echo "build-boot-sector: bad image: $size bytes, signature '$sig'" >&2
  exit 1
fi
mv "$tmp/boot-sector.bin" "$tmp/boot-sector.map" "$out/"
echo "build-boot-sector: $out/boot-sector.bin ($((size / 512)) sectors)"
