// Unit tests of the guest driver's pure parts: taskfile encoding and libata's LBA28/LBA48
// choice, PRD table layout, scattered buffers, IDENTIFY decoding, sense parsing, and the
// workload's pattern. No machine needed.

import { describe, expect, it } from 'vitest';
import { chooseAddressing, lba28Ok, rwTaskfile } from '../../src/host/transports/sim/drivers/ata-taskfile.js';
import { PRD_EOT, PrdTable, prdRegionsFor } from '../../src/host/transports/sim/drivers/prd-table.js';
import { GuestBuffer } from '../../src/host/transports/sim/drivers/guest-buffer.js';
import { parseIdentify } from '../../src/host/transports/sim/drivers/ata-identify.js';
import { parseSense } from '../../src/host/transports/sim/drivers/scsi-sense.js';
import { read10, read12 } from '../../src/host/transports/sim/drivers/scsi-cdb.js';
import { patternBytes } from '../../src/host/sim-workload.js';
import { gpa } from '../../src/shared-mem/types.js';
import { ArrayRam } from './support/array-ram.js';

describe('taskfile', () => {
  it('encodes LBA28 with the top nibble in Device and 256 sectors as 0', () => {
    const tf = rwTaskfile(1, 0xc8, 0x0abcdef1, 256, 'lba28');
    expect([tf.lbal, tf.lbam, tf.lbah, tf.nsect]).toEqual([0xf1, 0xde, 0xbc, 0]);
    expect(tf.device).toBe(0xa0 | 0x40 | 0x10 | 0x0a);
    expect(tf.hob).toBeUndefined();
  });

  it('encodes LBA48 high bytes in the previous-content registers', () => {
    const lba = 0x123456789abc;
    const tf = rwTaskfile(0, 0x25, lba, 65536, 'lba48');
    expect([tf.lbal, tf.lbam, tf.lbah]).toEqual([0xbc, 0x9a, 0x78]);
    expect([tf.hob!.lbal, tf.hob!.lbam, tf.hob!.lbah]).toEqual([0x56, 0x34, 0x12]);
    expect([tf.nsect, tf.hob!.nsect]).toEqual([0, 0]);
    expect(tf.device).toBe(0xa0 | 0x40);
  });

  it('uses LBA28 whenever the request fits, LBA48 only when it must (libata)', () => {
    expect(chooseAddressing(0, 256, true)).toBe('lba28');
    expect(chooseAddressing(0, 257, true)).toBe('lba48');
    expect(chooseAddressing(2 ** 28 - 10, 8, true)).toBe('lba28');
    expect(lba28Ok(2 ** 28 - 2, 1)).toBe(false); // the sector 0x0FFFFFFF itself is not used with LBA28
    expect(chooseAddressing(2 ** 28 - 4, 8, true)).toBe('lba48');
    expect(chooseAddressing(2 ** 28 + 5, 1, true)).toBe('lba48');
    expect(() => chooseAddressing(2 ** 28 + 5, 1, false)).toThrow(RangeError);
    expect(() => chooseAddressing(0, 65537, true)).toThrow(RangeError);
  });
});

describe('PRD tables', () => {
  it('splits regions at 64 KiB boundaries and marks only the last entry EOT', () => {
    const regions = prdRegionsFor([
      { addr: gpa(0x1f000), len: 0x3000 },
      { addr: gpa(0x40000), len: 0x10000 },
    ]);
    expect(regions).toEqual([
      { addr: 0x1f000, len: 0x1000 },
      { addr: 0x20000, len: 0x2000 },
      { addr: 0x40000, len: 0x10000 },
    ]);
    const ram = new ArrayRam(1 << 20, 0);
    const at = ram.alloc(64, 64);
    const table = PrdTable.build(ram, [{ addr: gpa(0x1f000), len: 0x3000 }, { addr: gpa(0x40000), len: 0x10000 }], at, 16);
    expect(table.entries.length).toBe(3);
    expect(ram.readU32(gpa(at))).toBe(0x1f000);
    expect(ram.readU32(gpa(at + 4))).toBe(0x1000);
    expect(ram.readU32(gpa(at + 16 + 4))).toBe((PRD_EOT | 0) >>> 0); // 64 KiB encodes as 0
    expect(ram.readU32(gpa(at + 12)) & PRD_EOT).toBe(0);
  });

  it('refuses odd addresses and tables over capacity', () => {
    expect(() => prdRegionsFor([{ addr: gpa(0x1001), len: 512 }])).toThrow(RangeError);
    const ram = new ArrayRam(1 << 20);
    const segs = Array.from({ length: 5 }, (_, i) => ({ addr: gpa(0x20000 + i * 0x2000), len: 0x1000 }));
    expect(() => PrdTable.build(ram, segs, gpa(0x10000), 4)).toThrow(RangeError);
  });
});

describe('scattered guest buffers', () => {
  it('never places logically adjacent pages physically adjacent, and round-trips data', () => {
    const ram = new ArrayRam(8 << 20);
    const buf = GuestBuffer.scattered(ram, 64 * 4096 - 100);
    expect(buf.length).toBe(64 * 4096 - 100);
    const addrs = buf.segments.map((s) => s.addr as number);
    expect(new Set(addrs).size).toBe(64);
    const adjacent = addrs.filter((a, i) => i > 0 && a === addrs[i - 1]! + 4096).length;
    expect(adjacent).toBeLessThan(8);
    const data = patternBytes(0, Math.ceil(buf.length / 512)).subarray(0, buf.length);
    buf.write(data);
    expect(Buffer.from(buf.read()).equals(Buffer.from(data))).toBe(true);
    expect(Buffer.from(buf.slice(5000, 9000).read()).equals(Buffer.from(data.subarray(5000, 14000)))).toBe(true);
    expect(buf.runs(4000, 200)).toEqual([
      { addr: addrs[0]! + 4000, len: 96 },
      { addr: addrs[1]!, len: 104 },
    ]);
  });
});

describe('IDENTIFY decoding', () => {
  function words(set: Record<number, number>, model = 'HVMIO HARDDISK'): Uint16Array {
    const w = new Uint16Array(256);
    for (const [k, v] of Object.entries(set)) w[Number(k)] = v;
    const m = model.padEnd(40, ' ');
    for (let i = 0; i < 20; i++) w[27 + i] = (m.charCodeAt(2 * i) << 8) | m.charCodeAt(2 * i + 1);
    return w;
  }

  it('reads capacity from words 100-103 only when LBA48 is supported and enabled', () => {
    const base = { 49: 0x0300, 60: 0xffff, 61: 0x0fff, 100: 0, 101: 0x2000, 102: 0, 103: 0, 63: 0x0407, 47: 0x8010, 59: 0x0110 };
    const lba48 = parseIdentify(words({ ...base, 83: 1 << 10, 86: 1 << 10 }));
    expect(lba48.lba48).toBe(true);
    expect(lba48.sectors).toBe(2 ** 29);
    expect(lba48.model).toBe('HVMIO HARDDISK');
    expect(lba48.mwdmaSupported).toBe(7);
    expect(lba48.mwdmaSelected).toBe(4);
    expect(lba48.maxMultiple).toBe(16);
    expect(lba48.currentMultiple).toBe(16);
    const lba28 = parseIdentify(words({ ...base, 83: 1 << 10, 86: 0 }));
    expect(lba28.lba48).toBe(false);
    expect(lba28.sectors).toBe(0x0fffffff);
  });

  it('recognises packet devices and checks the word 255 checksum', () => {
    const w = words({ 0: 0x85c0 }, 'HVMIO DVD-ROM');
    w[255] = 0x00a5;
    let sum = 0;
    for (const x of w) sum += (x & 0xff) + (x >> 8);
    w[255] = ((((256 - (sum & 0xff)) & 0xff) << 8) | 0xa5);
    const id = parseIdentify(w);
    expect(id.isPacketDevice).toBe(true);
    expect(id.packetDeviceType).toBe(5);
    expect(id.packetBytes).toBe(12);
    expect(id.drqTiming).toBe(2);
    expect(id.checksumOk).toBe(true);
    w[255] ^= 0x0100;
    expect(parseIdentify(w).checksumOk).toBe(false);
  });
});

describe('SCSI pieces', () => {
  it('parses fixed-format sense and builds READ CDBs big-endian', () => {
    const s = new Uint8Array(18);
    s[0] = 0xf0;
    s[2] = 0x05;
    s.set([0, 0, 0x12, 0x34], 3);
    s[12] = 0x21;
    expect(parseSense(s)).toEqual({ responseCode: 0x70, key: 5, asc: 0x21, ascq: 0, information: 0x1234 });
    expect(parseSense(new Uint8Array(18))).toBeNull();
    expect(Array.from(read10(0x01020304, 0x0506).subarray(0, 10))).toEqual([0x28, 0, 1, 2, 3, 4, 0, 5, 6, 0]);
    expect(Array.from(read12(0x01020304, 0x05060708).subarray(0, 10))).toEqual([0xa8, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('workload pattern', () => {
  it('depends on the LBA only, not on how the run is chunked', () => {
    const whole = patternBytes(1000, 8, 42);
    const part = patternBytes(1004, 2, 42);
    expect(Buffer.from(whole.subarray(4 * 512, 6 * 512)).equals(Buffer.from(part))).toBe(true);
    expect(Buffer.from(patternBytes(1000, 1, 42)).equals(Buffer.from(patternBytes(1001, 1, 42)))).toBe(false);
    expect(Buffer.from(patternBytes(1000, 1, 42)).equals(Buffer.from(patternBytes(1000, 1, 43)))).toBe(false);
    expect(Buffer.from(patternBytes(2 ** 32 + 1000, 1, 42)).equals(Buffer.from(patternBytes(1000, 1, 42)))).toBe(false);
  });
});
