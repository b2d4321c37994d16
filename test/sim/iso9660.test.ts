// Self-check of the ISO 9660 builder: parse the image back by ECMA-119 and compare with what
// went in; where isoinfo or xorriso happen to be installed, let them read it too.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ISO_SECTOR, buildIso9660, level1Name } from '../helpers/iso9660.js';

interface ParsedRecord {
  name: string;
  extent: number;
  size: number;
  flags: number;
}

function ascii(b: Uint8Array): string {
  return String.fromCharCode(...b);
}

function checkBothEndian32(b: Uint8Array, at: number): number {
  const v = new DataView(b.buffer, b.byteOffset);
  const le = v.getUint32(at, true);
  expect(v.getUint32(at + 4, false)).toBe(le);
  return le;
}

function parseRecord(b: Uint8Array, at: number): ParsedRecord {
  const len = b[at]!;
  const nameLen = b[at + 32]!;
  expect(len).toBe(33 + nameLen + (nameLen % 2 === 0 ? 1 : 0));
  return {
    name: ascii(b.subarray(at + 33, at + 33 + nameLen)),
    extent: checkBothEndian32(b, at + 2),
    size: checkBothEndian32(b, at + 10),
    flags: b[at + 25]!,
  };
}

/** Reads a directory extent record by record, skipping the zero padding at sector ends. */
function parseDirectory(img: Uint8Array, extent: number, size: number): ParsedRecord[] {
  const out: ParsedRecord[] = [];
  const start = extent * ISO_SECTOR;
  for (let at = start; at < start + size; ) {
    const len = img[at]!;
    if (len === 0) {
      at = (Math.floor((at - start) / ISO_SECTOR) + 1) * ISO_SECTOR + start;
      continue;
    }
    expect(Math.floor((at - start) / ISO_SECTOR)).toBe(Math.floor((at - start + len - 1) / ISO_SECTOR));
    out.push(parseRecord(img, at));
    at += len;
  }
  return out;
}

function parseIso(img: Uint8Array) {
  expect(img.length % ISO_SECTOR).toBe(0);
  const pvd = img.subarray(16 * ISO_SECTOR, 17 * ISO_SECTOR);
  expect(pvd[0]).toBe(1);
  expect(ascii(pvd.subarray(1, 6))).toBe('CD001');
  expect(pvd[6]).toBe(1);
  const term = img.subarray(17 * ISO_SECTOR, 18 * ISO_SECTOR);
  expect(term[0]).toBe(255);
  expect(ascii(term.subarray(1, 6))).toBe('CD001');
  const view = new DataView(pvd.buffer, pvd.byteOffset);
  expect(view.getUint16(128, true)).toBe(ISO_SECTOR);
  expect(view.getUint16(130, false)).toBe(ISO_SECTOR);
  const volumeSectors = checkBothEndian32(pvd, 80);
  const pathTableSize = checkBothEndian32(pvd, 132);
  const root = parseRecord(pvd, 156);
  expect(root.flags & 2).toBe(2);
  const lTable = view.getUint32(140, true);
  const mTable = view.getUint32(148, false);
  const l = new DataView(img.buffer, img.byteOffset + lTable * ISO_SECTOR);
  const m = new DataView(img.buffer, img.byteOffset + mTable * ISO_SECTOR);
  expect(l.getUint8(0)).toBe(1);
  expect(l.getUint32(2, true)).toBe(root.extent);
  expect(m.getUint32(2, false)).toBe(root.extent);
  expect(l.getUint16(6, true)).toBe(1);
  expect(m.getUint16(6, false)).toBe(1);
  return {
    volumeId: ascii(pvd.subarray(40, 72)).trimEnd(),
    volumeSectors,
    pathTableSize,
    root,
    entries: parseDirectory(img, root.extent, root.size),
  };
}

function sample(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = seed;
  for (let i = 0; i < len; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function which(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('ISO 9660 builder', () => {
  const files = [
    { name: 'readme.txt', data: new TextEncoder().encode('hello from hvmio\n') },
    { name: 'BIG.BIN', data: sample(3 * ISO_SECTOR + 123, 7) },
    { name: 'EMPTY', data: new Uint8Array(0) },
    { name: 'A_1.DAT', data: sample(ISO_SECTOR, 99) },
  ];

  it('parses back by ECMA-119 with the files at their extents', () => {
    const iso = buildIso9660({ volumeId: 'CHECK_VOL', files });
    const parsed = parseIso(iso.bytes);
    expect(parsed.volumeId).toBe('CHECK_VOL');
    expect(parsed.volumeSectors).toBe(iso.sectors);
    expect(parsed.volumeSectors * ISO_SECTOR).toBe(iso.bytes.length);
    expect(parsed.pathTableSize).toBe(10);
    const [dot, dotdot, ...rest] = parsed.entries;
    expect(dot!.name).toBe('\0');
    expect(dotdot!.name).toBe('\x01');
    expect(dot!.extent).toBe(parsed.root.extent);
    // ECMA-119 9.3 ordering and the recorded names
    expect(rest.map((r) => r.name)).toEqual(['A_1.DAT;1', 'BIG.BIN;1', 'EMPTY.;1', 'README.TXT;1']);
    for (const f of files) {
      const rec = rest.find((r) => r.name === level1Name(f.name))!;
      expect(rec.size).toBe(f.data.length);
      expect(rec.flags).toBe(0);
      const got = iso.bytes.subarray(rec.extent * ISO_SECTOR, rec.extent * ISO_SECTOR + rec.size);
      expect(Buffer.from(got).equals(Buffer.from(f.data))).toBe(true);
      expect(iso.files.find((e) => e.isoName === rec.name)!.extent).toBe(rec.extent);
    }
    // no two files overlap
    const spans = rest.map((r) => [r.extent, r.extent + Math.max(1, Math.ceil(r.size / ISO_SECTOR))] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  });

  it('spreads a large root directory over sectors without splitting a record', () => {
    const many = Array.from({ length: 90 }, (_, i) => ({ name: `FILE${String(i).padStart(4, '0')}.DAT`, data: sample(100 + i, i) }));
    const iso = buildIso9660({ files: many });
    expect(iso.rootSize).toBeGreaterThan(ISO_SECTOR);
    const parsed = parseIso(iso.bytes);
    expect(parsed.entries.length).toBe(92);
    for (const f of many) {
      const rec = parsed.entries.find((r) => r.name === level1Name(f.name))!;
      expect(Buffer.from(iso.bytes.subarray(rec.extent * ISO_SECTOR, rec.extent * ISO_SECTOR + rec.size)).equals(Buffer.from(f.data))).toBe(true);
    }
  });

  it('rejects names that are not level 1', () => {
    expect(() => buildIso9660({ files: [{ name: 'much-too-long-name.txt', data: new Uint8Array(1) }] })).toThrow();
    expect(() => buildIso9660({ files: [{ name: 'A.B.C', data: new Uint8Array(1) }] })).toThrow();
    expect(() => buildIso9660({ files: [{ name: 'x.txt', data: new Uint8Array(1) }, { name: 'X.TXT', data: new Uint8Array(1) }] })).toThrow();
  });

  const haveIsoinfo = which('isoinfo');
  const haveXorriso = which('xorriso');

  it.skipIf(!haveIsoinfo && !haveXorriso)('is readable by isoinfo/xorriso where installed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvmio-iso-'));
    try {
      const path = join(dir, 'test.iso');
      const iso = buildIso9660({ volumeId: 'TOOLCHECK', files });
      writeFileSync(path, iso.bytes);
      if (haveIsoinfo) {
        const pvd = execFileSync('isoinfo', ['-d', '-i', path], { encoding: 'utf8' });
        expect(pvd).toMatch(/Volume id:\s*TOOLCHECK/);
        expect(pvd).toMatch(new RegExp(`Volume size is:\\s*${iso.sectors}`));
        const listing = execFileSync('isoinfo', ['-f', '-i', path], { encoding: 'utf8' });
        for (const f of files) expect(listing).toContain(`/${level1Name(f.name)}`);
        const big = execFileSync('isoinfo', ['-i', path, '-x', '/BIG.BIN;1']);
        expect(Buffer.compare(big, Buffer.from(files[1]!.data))).toBe(0);
      }
      if (haveXorriso) {
        const out = join(dir, 'big.out');
        execFileSync('xorriso', ['-indev', path, '-osirrox', 'on', '-extract', '/BIG.BIN', out], { stdio: 'ignore' });
        const listing = execFileSync('xorriso', ['-indev', path, '-ls', '/'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        expect(listing).toContain('README.TXT');
        expect(Buffer.compare(execFileSync('cat', [out]), Buffer.from(files[1]!.data))).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
