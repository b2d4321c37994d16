// Builds a real ISO 9660 (ECMA-119) image in memory: system area, Primary Volume
// Descriptor, Volume Descriptor Set Terminator, both path tables, a root directory and a
// few files, in 2048-byte logical sectors. Level 1 names (8.3, upper case, ";1"). Enough for
// a CD-ROM driver to read files by extent, and for real tools (isoinfo, xorriso) to list.

import { writeFile } from 'node:fs/promises';

export const ISO_SECTOR = 2048;

export interface IsoFileInput {
  /** Level 1 name such as "README.TXT" (converted to upper case). */
  name: string;
  data: Uint8Array;
}

export interface IsoFileEntry {
  /** Name as recorded, with the version suffix, e.g. "README.TXT;1". */
  isoName: string;
  /** First 2048-byte sector of the file's data. */
  extent: number;
  size: number;
}

export interface IsoImage {
  bytes: Uint8Array;
  sectors: number;
  volumeId: string;
  rootExtent: number;
  rootSize: number;
  pathTableL: number;
  pathTableM: number;
  pathTableSize: number;
  files: IsoFileEntry[];
}

export interface IsoOptions {
  volumeId?: string;
  files: IsoFileInput[];
  /** Recording date for every timestamp (default: a fixed date, so images are reproducible). */
  date?: Date;
}

const SYSTEM_AREA_SECTORS = 16;
const PVD_SECTOR = 16;
const TERMINATOR_SECTOR = 17;
const PATH_TABLE_L_SECTOR = 18;
const PATH_TABLE_M_SECTOR = 19;
const ROOT_SECTOR = 20;
const DIR_RECORD_FIXED = 33;
const FLAG_DIRECTORY = 0x02;
const DEFAULT_DATE = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
const D_CHARS = /^[A-Z0-9_]+$/;

export function buildIso9660(opts: IsoOptions): IsoImage {
  const date = opts.date ?? DEFAULT_DATE;
  const volumeId = (opts.volumeId ?? 'HVMIO_TEST').toUpperCase();
  if (volumeId.length > 32 || !D_CHARS.test(volumeId)) throw new Error(`volume id "${volumeId}" is not 1-32 d-characters`);

  const named = opts.files.map((f) => ({ isoName: level1Name(f.name), data: f.data }));
  named.sort((a, b) => compareNames(a.isoName, b.isoName));
  for (let i = 1; i < named.length; i++) {
    if (named[i]!.isoName === named[i - 1]!.isoName) throw new Error(`duplicate file name ${named[i]!.isoName}`);
  }

  // Root directory: ".", "..", then the files; records never straddle a sector.
  const recordSizes = [recordLength(1), recordLength(1), ...named.map((f) => recordLength(f.isoName.length))];
  const rootSectors = sectorsForRecords(recordSizes);
  const rootSize = rootSectors * ISO_SECTOR;
  let next = ROOT_SECTOR + rootSectors;
  const files: IsoFileEntry[] = named.map((f) => {
    const entry = { isoName: f.isoName, extent: next, size: f.data.length };
    next += Math.max(1, Math.ceil(f.data.length / ISO_SECTOR));
    return entry;
  });
  const sectors = next;
  const bytes = new Uint8Array(sectors * ISO_SECTOR);

  // Path tables: one record, the root (ECMA-119 9.4).
  const pathTableSize = 10;
  writePathTableRecord(bytes, PATH_TABLE_L_SECTOR * ISO_SECTOR, ROOT_SECTOR, 'le');
  writePathTableRecord(bytes, PATH_TABLE_M_SECTOR * ISO_SECTOR, ROOT_SECTOR, 'be');

  // Root directory extent.
  const dir = { at: ROOT_SECTOR * ISO_SECTOR, end: (ROOT_SECTOR + rootSectors) * ISO_SECTOR };
  const put = (rec: Uint8Array) => {
    const sectorLeft = ISO_SECTOR - (dir.at % ISO_SECTOR);
    if (rec.length > sectorLeft) dir.at += sectorLeft; // zero padding to the next sector
    bytes.set(rec, dir.at);
    dir.at += rec.length;
  };
  put(directoryRecord(new Uint8Array([0]), ROOT_SECTOR, rootSize, FLAG_DIRECTORY, date));
  put(directoryRecord(new Uint8Array([1]), ROOT_SECTOR, rootSize, FLAG_DIRECTORY, date));
  for (const f of files) put(directoryRecord(ascii(f.isoName), f.extent, f.size, 0, date));

  // File data.
  named.forEach((f, i) => bytes.set(f.data, files[i]!.extent * ISO_SECTOR));

  writePrimaryVolumeDescriptor(bytes, { sectors, volumeId, pathTableSize, rootSize, date });
  writeTerminator(bytes);
  return {
    bytes,
    sectors,
    volumeId,
    rootExtent: ROOT_SECTOR,
    rootSize,
    pathTableL: PATH_TABLE_L_SECTOR,
    pathTableM: PATH_TABLE_M_SECTOR,
    pathTableSize,
    files,
  };
}

/** Builds the image and writes it to `path`. */
export async function writeIso9660(path: string, opts: IsoOptions): Promise<IsoImage> {
  const image = buildIso9660(opts);
  await writeFile(path, image.bytes);
  return image;
}

/** "readme.txt" -> "README.TXT;1"; throws unless it is a level 1 (8.3 d-character) name. */
export function level1Name(name: string): string {
  const upper = name.toUpperCase();
  const [base = '', ext = '', ...rest] = upper.split('.');
  if (rest.length > 0 || base.length < 1 || base.length > 8 || ext.length > 3) {
    throw new Error(`"${name}" is not an 8.3 name`);
  }
  if (!D_CHARS.test(base) || (ext !== '' && !D_CHARS.test(ext))) throw new Error(`"${name}" has characters outside A-Z 0-9 _`);
  return `${base}.${ext};1`;
}

/** ECMA-119 9.3: names compare as if padded with spaces (0x20). */
function compareNames(a: string, b: string): number {
  const len = Math.max(a.length, b.length);
  const pa = a.padEnd(len, ' ');
  const pb = b.padEnd(len, ' ');
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

function recordLength(nameLength: number): number {
  return DIR_RECORD_FIXED + nameLength + (nameLength % 2 === 0 ? 1 : 0);
}

function sectorsForRecords(sizes: number[]): number {
  let sectors = 1;
  let used = 0;
  for (const s of sizes) {
    if (used + s > ISO_SECTOR) {
      sectors++;
      used = 0;
    }
    used += s;
  }
  return sectors;
}

/** ECMA-119 9.1: a directory record. */
function directoryRecord(name: Uint8Array, extent: number, size: number, flags: number, date: Date): Uint8Array {
  const rec = new Uint8Array(recordLength(name.length));
  rec[0] = rec.length;
  rec[1] = 0; // extended attribute record length
  bothEndian32(rec, 2, extent);
  bothEndian32(rec, 10, size);
  rec.set(recordingDate(date), 18);
  rec[25] = flags;
  rec[26] = 0; // file unit size (not interleaved)
  rec[27] = 0; // interleave gap
  bothEndian16(rec, 28, 1); // volume sequence number
  rec[32] = name.length;
  rec.set(name, 33);
  return rec;
}

function writePathTableRecord(bytes: Uint8Array, at: number, extent: number, order: 'le' | 'be'): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  bytes[at] = 1; // length of directory identifier
  bytes[at + 1] = 0; // extended attribute record length
  view.setUint32(at + 2, extent, order === 'le');
  view.setUint16(at + 6, 1, order === 'le'); // parent directory number: the root is its own parent
  bytes[at + 8] = 0; // root identifier; byte 9 pads to even
}

function writePrimaryVolumeDescriptor(
  bytes: Uint8Array,
  p: { sectors: number; volumeId: string; pathTableSize: number; rootSize: number; date: Date },
): void {
  const at = PVD_SECTOR * ISO_SECTOR;
  const d = bytes.subarray(at, at + ISO_SECTOR);
  const view = new DataView(d.buffer, d.byteOffset);
  d[0] = 1; // primary volume descriptor
  d.set(ascii('CD001'), 1);
  d[6] = 1; // version
  d.set(padded('', 32), 8); // system identifier
  d.set(padded(p.volumeId, 32), 40);
  bothEndian32(d, 80, p.sectors); // volume space size
  bothEndian16(d, 120, 1); // volume set size
  bothEndian16(d, 124, 1); // volume sequence number
  bothEndian16(d, 128, ISO_SECTOR); // logical block size
  bothEndian32(d, 132, p.pathTableSize);
  view.setUint32(140, PATH_TABLE_L_SECTOR, true);
  view.setUint32(144, 0, true); // no optional L table
  view.setUint32(148, PATH_TABLE_M_SECTOR, false);
  view.setUint32(152, 0, false); // no optional M table
  d.set(directoryRecord(new Uint8Array([0]), ROOT_SECTOR, p.rootSize, FLAG_DIRECTORY, p.date), 156);
  d.set(padded('', 128), 190); // volume set identifier
  d.set(padded('HVMIO', 128), 318); // publisher
  d.set(padded('', 128), 446); // data preparer
  d.set(padded('HVMIO TEST ISO BUILDER', 128), 574); // application
  d.set(padded('', 37), 702); // copyright file
  d.set(padded('', 37), 739); // abstract file
  d.set(padded('', 37), 776); // bibliographic file
  d.set(volumeDate(p.date), 813); // creation
  d.set(volumeDate(p.date), 830); // modification
  d.set(volumeDate(null), 847); // expiration: not specified
  d.set(volumeDate(null), 864); // effective: not specified
  d[881] = 1; // file structure version
}

function writeTerminator(bytes: Uint8Array): void {
  const at = TERMINATOR_SECTOR * ISO_SECTOR;
  bytes[at] = 255;
  bytes.set(ascii('CD001'), at + 1);
  bytes[at + 6] = 1;
}

/** ECMA-119 9.1.5: years since 1900, month, day, hour, minute, second, GMT offset (15 min units). */
function recordingDate(date: Date): Uint8Array {
  return new Uint8Array([
    date.getUTCFullYear() - 1900, date.getUTCMonth() + 1, date.getUTCDate(),
    date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), 0,
  ]);
}

/** ECMA-119 8.4.26.1: "YYYYMMDDHHMMSScc" digits plus a GMT offset byte; all zeros = not specified. */
function volumeDate(date: Date | null): Uint8Array {
  const out = new Uint8Array(17);
  if (!date) {
    out.set(ascii('0000000000000000'));
    return out;
  }
  const two = (n: number) => String(n).padStart(2, '0');
  const text = `${date.getUTCFullYear()}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}` +
    `${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}00`;
  out.set(ascii(text));
  out[16] = 0;
  return out;
}

function bothEndian32(b: Uint8Array, at: number, v: number): void {
  const view = new DataView(b.buffer, b.byteOffset);
  view.setUint32(at, v, true);
  view.setUint32(at + 4, v, false);
}

function bothEndian16(b: Uint8Array, at: number, v: number): void {
  const view = new DataView(b.buffer, b.byteOffset);
  view.setUint16(at, v, true);
  view.setUint16(at + 2, v, false);
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function padded(s: string, len: number): Uint8Array {
  return ascii(s.padEnd(len, ' ').slice(0, len));
}
