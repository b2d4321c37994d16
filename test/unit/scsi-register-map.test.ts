// The LSI53C895A operating register map, register by register, against the technical manual
// (LSI53C895A PCI to Ultra2 SCSI Controller, S14028.B, chapter 4 "Registers"; offsets as in
// Linux's struct sym_reg, drivers/scsi/sym53c8xx_2/sym_defs.h): where each register is, what
// it reads after reset, which bits a host write changes, and that byte, word and dword
// accesses through the I/O BAR and the memory BAR reach the same bytes. Behaviour beyond the
// map (interrupt stacking, SRST, ABRT, SIGP, ...) is in scsi-registers.test.ts.

import { describe, expect, it } from 'vitest';
import { LsiRig, R, SPACE_IO, SPACE_MMIO } from './scsi-rig.js';
import { OP, Script } from './scsi-assembler.js';

type Width = 1 | 2 | 4;

/** How a host write behaves:
 *  rw: the bits in `writable` take the written value, the others keep reading as at reset;
 *  ro: ignored (the register reads its reset value afterwards);
 *  none: not written by this table (the write starts or clears something; tested elsewhere). */
type Access = 'rw' | 'ro' | 'none';

interface RegisterSpec {
  name: keyof typeof R | 'SCRATCHR';
  offset: number;
  /** Bytes the register spans. */
  bytes: 1 | 2 | 3 | 4;
  /** Read after reset. Where the manual shows x (indeterminate) the model reads 0 unless noted. */
  reset: number;
  access: Access;
  /** rw: the bits a host write changes (default: all). */
  writable?: number;
  /** rw: the value written (default: a pattern over all bytes); chosen so that it starts nothing. */
  pattern?: number;
  /** The manual's entry in short (with its page where checked), and why the model differs
   *  where it does. */
  manual: string;
}

// Pages (4-n) are those of S14028.B; bit strings are the manual's reset row, x = indeterminate.
const REGISTERS: readonly RegisterSpec[] = [
  { name: 'SCNTL0', offset: 0x00, bytes: 1, reset: 0xc0, access: 'rw', pattern: 0xd8, manual: '1100 0x00, full arbitration' },
  { name: 'SCNTL1', offset: 0x01, bytes: 1, reset: 0x00, access: 'rw', writable: 0xef, pattern: 0x24, manual: 'CON (bit 4) is status; RST starts a bus reset (not written here)' },
  { name: 'SCNTL2', offset: 0x02, bytes: 1, reset: 0x00, access: 'rw', writable: 0xf6, pattern: 0x80, manual: 'WSS, WSR are write-1-to-clear status' },
  { name: 'SCNTL3', offset: 0x03, bytes: 1, reset: 0x00, access: 'rw', pattern: 0x35, manual: 'plain storage' },
  {
    name: 'SCID', offset: 0x04, bytes: 1, reset: 0x07, access: 'rw', pattern: 0x45,
    manual: '4-31: x00x 0000; the model starts at ID 7 as QEMU\'s does, because SeaBIOS never programs SCID (Linux does)',
  },
  { name: 'SXFER', offset: 0x05, bytes: 1, reset: 0x00, access: 'rw', pattern: 0x1f, manual: 'plain storage' },
  { name: 'SDID', offset: 0x06, bytes: 1, reset: 0x00, access: 'rw', writable: 0x0f, pattern: 0xf3, manual: 'ENC [3:0], 7:4 reserved' },
  { name: 'GPREG', offset: 0x07, bytes: 1, reset: 0x7f, access: 'rw', pattern: 0x7f, manual: 'GPIO inputs read high (QEMU: 7Fh)' },
  { name: 'SFBR', offset: 0x08, bytes: 1, reset: 0x00, access: 'ro', manual: 'not writable by the CPU or a Memory Move' },
  { name: 'SOCL', offset: 0x09, bytes: 1, reset: 0x00, access: 'rw', writable: 0xf7, pattern: 0x02, manual: 'ATN reads the bus line' },
  { name: 'SSID', offset: 0x0a, bytes: 1, reset: 0x00, access: 'ro', manual: 'read only' },
  { name: 'SBCL', offset: 0x0b, bytes: 1, reset: 0x00, access: 'ro', manual: 'read only, bus idle' },
  { name: 'DSTAT', offset: 0x0c, bytes: 1, reset: 0x80, access: 'ro', manual: '1000 0000, DFE (DMA FIFO empty); reading clears the interrupt bits' },
  { name: 'SSTAT0', offset: 0x0d, bytes: 1, reset: 0x00, access: 'ro', manual: 'read only' },
  { name: 'SSTAT1', offset: 0x0e, bytes: 1, reset: 0x00, access: 'ro', manual: '4-44: 0000 xxxx, SCSI FIFO empty' },
  { name: 'SSTAT2', offset: 0x0f, bytes: 1, reset: 0x02, access: 'ro', manual: '4-46: 0000 xx1x, LDSC (not connected)' },
  { name: 'DSA', offset: 0x10, bytes: 4, reset: 0, access: 'rw', manual: 'plain storage' },
  { name: 'ISTAT', offset: 0x14, bytes: 1, reset: 0x00, access: 'none', manual: 'ABRT, SRST, SIGP act when written (scsi-registers.test.ts)' },
  { name: 'ISTAT1', offset: 0x15, bytes: 1, reset: 0x00, access: 'rw', writable: 0x01, pattern: 0x07, manual: 'SIRQD writable; FLSH, SRUN status' },
  { name: 'MBOX0', offset: 0x16, bytes: 1, reset: 0x00, access: 'rw', manual: '4-53: 0000 0000' },
  { name: 'MBOX1', offset: 0x17, bytes: 1, reset: 0x00, access: 'rw', manual: '4-53: 0000 0000' },
  { name: 'CTEST0', offset: 0x18, bytes: 1, reset: 0x00, access: 'rw', manual: 'general purpose' },
  { name: 'CTEST1', offset: 0x19, bytes: 1, reset: 0xf0, access: 'ro', manual: '1111 0000, every DMA FIFO byte lane empty' },
  { name: 'CTEST2', offset: 0x1a, bytes: 1, reset: 0x11, access: 'ro', manual: 'CM, DACK; reading clears SIGP' },
  { name: 'CTEST3', offset: 0x1b, bytes: 1, reset: 0x00, access: 'rw', writable: 0x03, pattern: 0x0f, manual: 'revision in 7:4, FLF/CLF self-clear (FIFOs empty)' },
  { name: 'TEMP', offset: 0x1c, bytes: 4, reset: 0, access: 'rw', manual: 'plain storage' },
  { name: 'DFIFO', offset: 0x20, bytes: 1, reset: 0x00, access: 'rw', manual: 'plain storage' },
  { name: 'CTEST4', offset: 0x21, bytes: 1, reset: 0x00, access: 'rw', manual: 'plain storage' },
  { name: 'CTEST5', offset: 0x22, bytes: 1, reset: 0x00, access: 'rw', pattern: 0x04, manual: 'plain storage; the ADCK/BBCK test strobes are not written' },
  { name: 'CTEST6', offset: 0x23, bytes: 1, reset: 0x00, access: 'ro', manual: 'DMA FIFO data, empty' },
  { name: 'DBC', offset: 0x24, bytes: 3, reset: 0, access: 'rw', manual: '4-64: power-up value indeterminate' },
  { name: 'DCMD', offset: 0x27, bytes: 1, reset: 0x40, access: 'rw', manual: '01xx xxxx (as QEMU: 40h)' },
  { name: 'DNAD', offset: 0x28, bytes: 4, reset: 0, access: 'rw', manual: 'plain storage' },
  { name: 'DSP', offset: 0x2c, bytes: 4, reset: 0, access: 'none', manual: 'writing the top byte starts SCRIPTS' },
  { name: 'DSPS', offset: 0x30, bytes: 4, reset: 0, access: 'rw', manual: 'plain storage' },
  { name: 'SCRATCHA', offset: 0x34, bytes: 4, reset: 0, access: 'rw', manual: 'plain storage' },
  { name: 'DMODE', offset: 0x38, bytes: 1, reset: 0x00, access: 'rw', writable: 0xff, pattern: 0xc0, manual: 'MAN (bit 0) left clear here' },
  { name: 'DIEN', offset: 0x39, bytes: 1, reset: 0x00, access: 'rw', pattern: 0x7d, manual: 'plain storage' },
  { name: 'SBR', offset: 0x3a, bytes: 1, reset: 0x00, access: 'rw', manual: 'scratch byte' },
  { name: 'DCNTL', offset: 0x3b, bytes: 1, reset: 0x00, access: 'rw', writable: 0xbb, pattern: 0xa1, manual: 'PFF, STD self-clear' },
  { name: 'ADDER', offset: 0x3c, bytes: 4, reset: 0, access: 'ro', manual: 'read only' },
  { name: 'SIEN0', offset: 0x40, bytes: 1, reset: 0x00, access: 'rw', manual: 'plain storage' },
  { name: 'SIEN1', offset: 0x41, bytes: 1, reset: 0x00, access: 'rw', manual: 'plain storage' },
  { name: 'SIST0', offset: 0x42, bytes: 1, reset: 0x00, access: 'ro', manual: 'read to clear' },
  { name: 'SIST1', offset: 0x43, bytes: 1, reset: 0x00, access: 'ro', manual: 'read to clear' },
  { name: 'SLPAR', offset: 0x44, bytes: 1, reset: 0x00, access: 'rw', writable: 0x00, pattern: 0x5a, manual: 'writing any value resets it to zero' },
  { name: 'SWIDE', offset: 0x45, bytes: 1, reset: 0x00, access: 'ro', manual: 'read only, no residue' },
  { name: 'MACNTL', offset: 0x46, bytes: 1, reset: 0x00, access: 'rw', manual: 'plain storage' },
  { name: 'GPCNTL', offset: 0x47, bytes: 1, reset: 0x0f, access: 'rw', pattern: 0x20, manual: '0000 1111, GPIO[3:0] inputs' },
  { name: 'STIME0', offset: 0x48, bytes: 1, reset: 0x00, access: 'rw', manual: 'plain storage' },
  { name: 'STIME1', offset: 0x49, bytes: 1, reset: 0x00, access: 'rw', pattern: 0x40, manual: 'GEN (3:0) left 0, so no timer starts' },
  { name: 'RESPID0', offset: 0x4a, bytes: 1, reset: 0x00, access: 'rw', manual: '4-88' },
  { name: 'RESPID1', offset: 0x4b, bytes: 1, reset: 0x00, access: 'rw', manual: '4-88' },
  { name: 'STEST0', offset: 0x4c, bytes: 1, reset: 0x03, access: 'ro', manual: '4-89: xxxx 0x11, SOZ and SOM' },
  { name: 'STEST1', offset: 0x4d, bytes: 1, reset: 0x00, access: 'rw', manual: 'plain storage' },
  { name: 'STEST2', offset: 0x4e, bytes: 1, reset: 0x00, access: 'rw', manual: 'plain storage' },
  { name: 'STEST3', offset: 0x4f, bytes: 1, reset: 0x00, access: 'rw', writable: 0xfd, manual: 'CSF self-clears' },
  { name: 'SIDL', offset: 0x50, bytes: 2, reset: 0, access: 'ro', manual: 'read only' },
  { name: 'STEST4', offset: 0x52, bytes: 1, reset: 0xe0, access: 'ro', manual: 'SMODE LVD, LOCK set (clock quadrupler locked)' },
  { name: 'SODL', offset: 0x54, bytes: 2, reset: 0, access: 'rw', manual: 'plain storage' },
  { name: 'CCNTL0', offset: 0x56, bytes: 1, reset: 0x00, access: 'rw', manual: 'plain storage' },
  { name: 'CCNTL1', offset: 0x57, bytes: 1, reset: 0x00, access: 'rw', manual: 'plain storage' },
  { name: 'SBDL', offset: 0x58, bytes: 2, reset: 0, access: 'ro', manual: 'read only' },
  { name: 'SCRATCHB', offset: 0x5c, bytes: 4, reset: 0, access: 'rw', manual: 'plain storage' },
  { name: 'SCRATCHC', offset: 0x60, bytes: 4, reset: 0, access: 'rw', manual: 'SCRATCHC-R, sixteen registers' },
  { name: 'SCRATCHR', offset: 0x9c, bytes: 4, reset: 0, access: 'rw', manual: 'the last scratch register' },
  { name: 'MMRS', offset: 0xa0, bytes: 4, reset: 0, access: 'rw', manual: 'memory move read selector' },
  { name: 'MMWS', offset: 0xa4, bytes: 4, reset: 0, access: 'rw', manual: 'memory move write selector' },
  { name: 'SFS', offset: 0xa8, bytes: 4, reset: 0, access: 'rw', manual: 'SCRIPTS fetch selector' },
  { name: 'DRS', offset: 0xac, bytes: 4, reset: 0, access: 'rw', manual: 'DSA relative selector' },
  { name: 'SBMS', offset: 0xb0, bytes: 4, reset: 0, access: 'rw', manual: 'static block move selector' },
  { name: 'DBMS', offset: 0xb4, bytes: 4, reset: 0, access: 'rw', manual: 'dynamic block move selector' },
  { name: 'DNAD64', offset: 0xb8, bytes: 4, reset: 0, access: 'rw', manual: 'DMA next address, 64-bit' },
  { name: 'PMJAD1', offset: 0xc0, bytes: 4, reset: 0, access: 'rw', manual: 'phase mismatch jump address 1' },
  { name: 'PMJAD2', offset: 0xc4, bytes: 4, reset: 0, access: 'rw', manual: 'phase mismatch jump address 2' },
  { name: 'RBC', offset: 0xc8, bytes: 4, reset: 0, access: 'rw', manual: 'remaining byte count' },
  { name: 'UA', offset: 0xcc, bytes: 4, reset: 0, access: 'rw', manual: 'updated address' },
  { name: 'ESA', offset: 0xd0, bytes: 4, reset: 0, access: 'rw', manual: 'entry storage address' },
  { name: 'IA', offset: 0xd4, bytes: 4, reset: 0, access: 'rw', manual: 'instruction address' },
  { name: 'SBC', offset: 0xd8, bytes: 3, reset: 0, access: 'rw', manual: 'SCSI byte count' },
  { name: 'CSBC', offset: 0xdc, bytes: 4, reset: 0, access: 'rw', manual: 'cumulative SCSI byte count' },
];

const SPACES = [['I/O BAR', SPACE_IO], ['memory BAR', SPACE_MMIO]] as const;

const mask = (bytes: number): number => (bytes === 4 ? 0xffffffff : (1 << (8 * bytes)) - 1);
/** A value with a different byte in every lane, distinct per register. */
const defaultPattern = (r: RegisterSpec): number => ((0xa5c3e187 ^ (r.offset * 0x01010101)) >>> 0) & mask(r.bytes);

/** Reads `bytes` bytes at `offset` one byte at a time, little-endian. */
function readBytewise(rig: LsiRig, offset: number, bytes: number, space: number): number {
  let v = 0;
  for (let i = 0; i < bytes; i++) v += rig.read(offset + i, 1, space) * 2 ** (8 * i);
  return v >>> 0;
}

/** The widest accesses that fit the register at naturally aligned offsets: dword, words, bytes. */
function accessPlan(r: RegisterSpec): { offset: number; width: Width }[] {
  const plan: { offset: number; width: Width }[] = [];
  if (r.bytes === 4) plan.push({ offset: r.offset, width: 4 });
  if (r.bytes >= 2) for (let o = r.offset; o + 2 <= r.offset + r.bytes; o += 2) if (o % 2 === 0) plan.push({ offset: o, width: 2 });
  for (let o = r.offset; o < r.offset + r.bytes; o++) plan.push({ offset: o, width: 1 });
  return plan;
}

describe('LSI53C895A register map (technical manual chapter 4)', () => {
  it('lists each register once, at the offset Linux and the test rig use, without overlaps', () => {
    const seen = new Map<number, string>();
    for (const r of REGISTERS) {
      if (r.name !== 'SCRATCHR') expect(R[r.name], r.name).toBe(r.offset);
      for (let i = 0; i < r.bytes; i++) {
        expect(seen.get(r.offset + i), `${r.name} overlaps`).toBeUndefined();
        seen.set(r.offset + i, r.name);
      }
    }
    expect(R.SCRATCHC + 0x3c).toBe(0x9c);
  });

  describe.each(SPACES)('through the %s', (_label, space) => {
    it.each(REGISTERS.map((r) => [r.name, r] as const))('%s reads its reset value at every width', async (_name, r) => {
      const rig = await LsiRig.create();
      for (const { offset, width } of accessPlan(r)) {
        const shift = 8 * (offset - r.offset);
        const want = Math.floor(r.reset / 2 ** shift) % 2 ** (8 * width);
        expect(rig.read(offset, width, space), `${r.name} (${r.manual}) at ${offset.toString(16)}h, ${width} byte(s)`).toBe(want);
      }
    });

    it.each(REGISTERS.filter((r) => r.access !== 'none').map((r) => [r.name, r] as const))(
      '%s: a write at each width changes exactly its writable bits',
      async (_name, r) => {
        for (const { offset, width } of accessPlan(r)) {
          const rig = await LsiRig.create();
          const pattern = r.pattern ?? defaultPattern(r);
          const writable = r.access === 'ro' ? 0 : (r.writable ?? mask(r.bytes));
          const shift = 8 * (offset - r.offset);
          const lane = (v: number): number => Math.floor(v / 2 ** shift) % 2 ** (8 * width);
          rig.write(offset, lane(pattern), width, space);
          const touched = (lane(mask(r.bytes)) * 2 ** shift) >>> 0;
          const want = (((pattern & writable & touched) | (r.reset & ~(writable & touched))) & mask(r.bytes)) >>> 0;
          expect(readBytewise(rig, r.offset, r.bytes, space), `${r.name} (${r.manual}) after a ${width}-byte write at ${offset.toString(16)}h`)
            .toBe(want);
        }
      },
    );
  });

  it('a register written through one BAR reads back through the other, at any width', async () => {
    const rig = await LsiRig.create();
    rig.write(R.SCRATCHA, 0x89abcdef, 4, SPACE_MMIO);
    expect(rig.read(R.SCRATCHA + 2, 2, SPACE_IO)).toBe(0x89ab);
    rig.write(R.SCRATCHA + 1, 0x12, 1, SPACE_IO);
    expect(rig.read(R.SCRATCHA, 4, SPACE_MMIO) >>> 0).toBe(0x89ab12ef);
  });

  it('no two registers alias: every writable byte keeps its own value', async () => {
    const rig = await LsiRig.create();
    const rw = REGISTERS.filter((r) => r.access === 'rw');
    const pattern = (r: RegisterSpec): number => r.pattern ?? defaultPattern(r);
    for (const r of rw) for (let i = 0; i < r.bytes; i++) rig.write(r.offset + i, (pattern(r) >>> (8 * i)) & 0xff, 1);
    for (const r of rw) {
      const writable = r.writable ?? mask(r.bytes);
      const want = (((pattern(r) & writable) | (r.reset & ~writable)) & mask(r.bytes)) >>> 0;
      expect(readBytewise(rig, r.offset, r.bytes, SPACE_IO), r.name).toBe(want);
    }
  });

  it('the wide accesses sym53c8xx makes see the registers side by side', async () => {
    const rig = await LsiRig.create();
    // sym_regtest: a dword read at DSTAT is DSTAT, SSTAT0, SSTAT1, SSTAT2; the driver masks it with
    // e2f0fffdh and expects 02000080h (DFE; LDSC) from an idle chip.
    expect((rig.read32(R.DSTAT) & 0xe2f0fffd) >>> 0).toBe(0x02000080);
    // OUTW(nc_sien, ...) and INW(nc_sist): SIEN0/SIEN1 and SIST0/SIST1 as one word each.
    rig.write(R.SIEN0, 0x048f, 2);
    expect([rig.read(R.SIEN0), rig.read(R.SIEN1)]).toEqual([0x8f, 0x04]);
    expect(rig.read(R.SIST0, 2)).toBe(0);
    // INL(nc_dbc): DBC in the low 24 bits, DCMD on top.
    rig.write32(R.DBC, 0x12345678);
    expect(rig.read32(R.DBC)).toBe(0x12345678);
    expect(rig.read(R.DCMD)).toBe(0x12);
    // OUTW(nc_respid, 1 << id): RESPID0 and RESPID1 as one word (ID 12).
    rig.write(R.RESPID0, 1 << 12, 2);
    expect([rig.read(R.RESPID0), rig.read(R.RESPID1)]).toEqual([0x00, 0x10]);
  });

  it('SFBR: a host write is ignored, but SCRIPTS register instructions still load it', async () => {
    const rig = await LsiRig.create();
    rig.write(R.SFBR, 0x5a);
    expect(rig.read(R.SFBR)).toBe(0);
    const base = 0x2000;
    rig.load(new Script(base).modify(R.SFBR, OP.MOVE, 0xa5).int(1));
    rig.start(base);
    expect(rig.read(R.DSTAT) & 0x04).toBe(0x04); // SIR: the INT ran
    expect(rig.read(R.SFBR)).toBe(0xa5);
  });
});
