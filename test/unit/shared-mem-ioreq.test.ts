import { describe, expect, it } from 'vitest';
import {
  IOREQ_BYTES,
  IOREQ_INPROCESS,
  IOREQ_READY,
  IORESP_READY,
  IOREQ_TYPE_COPY,
  IOREQ_TYPE_PCI_CONFIG,
  IOREQ_TYPE_PIO,
  STATE_NONE,
  SharedIopage,
  allOnes,
  loadState,
  readIoreq,
  storeState,
  writeIoreq,
  type Ioreq,
} from '../../src/shared-mem/ioreq.js';

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

// Byte image of an ioreq_t, written out by hand from the layout table in
// /work/shared/spec/xen-ioreq.md section 2 (little-endian fields, bitfield byte at 30).
const REP_INSW: Ioreq = {
  addr: 0x1f0n,
  data: 0x1122_3344_5566_7788n,
  count: 3,
  size: 2,
  space: 7,
  dataIsPtr: true,
  dir: 'read',
  df: true,
  type: IOREQ_TYPE_PIO,
};
const REP_INSW_BYTES =
  'f0 01 00 00 00 00 00 00 ' + // addr
  '88 77 66 55 44 33 22 11 ' + // data
  '03 00 00 00 ' + // count
  '02 00 00 00 ' + // size
  '07 00 00 00 ' + // vp_eport, used as space
  '00 00 ' + // _pad0
  '70 ' + // data_is_ptr 0x10 | dir read 0x20 | df 0x40, state 0
  '00'; // type PIO

describe('ioreq_t codec', () => {
  it('writes the byte layout of the spec', () => {
    const buf = new SharedArrayBuffer(IOREQ_BYTES);
    writeIoreq(new DataView(buf), 0, REP_INSW);
    expect(hex(new Uint8Array(buf))).toBe(REP_INSW_BYTES);
  });

  it('reads hand-made bytes', () => {
    const buf = new SharedArrayBuffer(64);
    const bytes = new Uint8Array(buf);
    // An MMIO write at 0xfebf0010 of 4 bytes, value 0xdeadbeef, in the second slot, state READY.
    bytes.set([0x10, 0x00, 0xbf, 0xfe, 0, 0, 0, 0], 32);
    bytes.set([0xef, 0xbe, 0xad, 0xde, 0, 0, 0, 0], 40);
    bytes.set([1, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, IOREQ_TYPE_COPY], 48);
    expect(readIoreq(new DataView(buf), 32)).toEqual({
      addr: 0xfebf_0010n,
      data: 0xdead_beefn,
      count: 1,
      size: 4,
      space: 0,
      dataIsPtr: false,
      dir: 'write',
      df: false,
      type: IOREQ_TYPE_COPY,
    });
    expect(loadState(new Int32Array(buf), 32)).toBe(IOREQ_READY);
  });

  it('round-trips every field, 64-bit values included', () => {
    const req: Ioreq = {
      addr: 0x0000_0800_0000_0010n, // PCI_CONFIG: SBDF 0:0:1.0 << 32 | register 0x10
      data: 0xffff_ffff_ffff_fffen,
      count: 0xffff_ffff,
      size: 8,
      space: 0x1234_5678,
      dataIsPtr: false,
      dir: 'write',
      df: false,
      type: IOREQ_TYPE_PCI_CONFIG,
    };
    const view = new DataView(new SharedArrayBuffer(96));
    writeIoreq(view, 64, req);
    expect(readIoreq(view, 64)).toEqual(req);
  });

  it('writeIoreq keeps the state bits, storeState keeps everything else', () => {
    const buf = new SharedArrayBuffer(32);
    const bytes = new Uint8Array(buf);
    const words = new Int32Array(buf);
    bytes[28] = 0xab;
    bytes[29] = 0xcd;
    storeState(words, 0, IORESP_READY);
    writeIoreq(new DataView(buf), 0, { ...REP_INSW, type: IOREQ_TYPE_PCI_CONFIG });
    expect(bytes[30]).toBe(0x73); // flags 0x70 kept the state 3
    expect([bytes[28], bytes[29]]).toEqual([0xab, 0xcd]); // _pad0 untouched
    storeState(words, 0, IOREQ_INPROCESS);
    expect([bytes[28], bytes[29], bytes[30], bytes[31]]).toEqual([0xab, 0xcd, 0x72, IOREQ_TYPE_PCI_CONFIG]);
    storeState(words, 0, STATE_NONE);
    expect(bytes[30]).toBe(0x70);
    expect(loadState(words, 0)).toBe(STATE_NONE);
  });

  it('state helpers accept a DataView with an offset', () => {
    const buf = new SharedArrayBuffer(128);
    const view = new DataView(buf, 64, 64);
    storeState(view, 32, IOREQ_READY);
    expect(new Uint8Array(buf)[64 + 32 + 30]).toBe(0x01);
    expect(loadState(view, 32)).toBe(IOREQ_READY);
    expect(() => loadState(view, 64)).toThrow(RangeError);
  });

  it('allOnes follows the access size', () => {
    expect(allOnes(1)).toBe(0xffn);
    expect(allOnes(2)).toBe(0xffffn);
    expect(allOnes(4)).toBe(0xffff_ffffn);
    expect(allOnes(8)).toBe(0xffff_ffff_ffff_ffffn);
    expect(allOnes(3)).toBe(0xffff_ffff_ffff_ffffn);
  });
});

describe('shared_iopage', () => {
  it('puts vCPU n at byte 32*n', () => {
    const page = SharedIopage.create();
    page.write(5, REP_INSW);
    page.setState(5, IOREQ_READY);
    const bytes = new Uint8Array(page.buffer, 5 * 32, 32);
    expect(hex(bytes)).toBe(REP_INSW_BYTES.replace(/70 00$/, '71 00'));
    expect(page.state(5)).toBe(IOREQ_READY);
    expect(page.state(4)).toBe(STATE_NONE);
    page.writeData(5, 0xabcdn);
    expect(page.readData(5)).toBe(0xabcdn);
    expect(page.read(5).count).toBe(3);
  });

  it('refuses vCPUs outside the page', () => {
    const page = SharedIopage.create(2);
    expect(() => page.read(2)).toThrow(RangeError);
    expect(() => page.state(-1)).toThrow(RangeError);
    expect(() => SharedIopage.create(129)).toThrow(RangeError);
  });
});
