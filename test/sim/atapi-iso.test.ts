// An ATAPI CD-ROM holding an ISO 9660 image made by our builder: the sr/cdrom probe
// sequence, then READ(10)/READ(12) of files by PIO and by DMA compared with the bytes that
// went into the image, and the sense data the drive gives for bad requests.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtaError } from '../../src/host/transports/sim/drivers/ata-error.js';
import { AtapiDevice, CD_BLOCK_BYTES, type ProbeReport } from '../../src/host/transports/sim/drivers/atapi-driver.js';
import { GuestBuffer } from '../../src/host/transports/sim/drivers/guest-buffer.js';
import {
  ASC_INVALID_OPCODE,
  ASC_LBA_OUT_OF_RANGE,
  SENSE_ILLEGAL_REQUEST,
  SENSE_UNIT_ATTENTION,
} from '../../src/host/transports/sim/drivers/scsi-sense.js';
import { PROFILE_CD_ROM, PROFILE_DVD_ROM } from '../../src/host/transports/sim/drivers/scsi-cdb.js';
import { ISO_SECTOR, buildIso9660, type IsoImage } from '../helpers/iso9660.js';
import { ScratchDir } from './support/scratch-images.js';
import { bootIde, cdrom, disk, ide, md5, type BootedIde } from './support/ide-machine.js';

function bytesOf(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe.each(['legacy', 'native'] as const)('ATAPI CD-ROM with an ISO 9660 image (%s mode)', (mode) => {
  let scratch: ScratchDir;
  let iso: IsoImage;
  let sys: BootedIde;
  let cd: AtapiDevice;
  let probe: ProbeReport;
  const files = [
    { name: 'README.TXT', data: new TextEncoder().encode('hvmio ATAPI test disc\n') },
    { name: 'LARGE.BIN', data: bytesOf(300 * 1024 + 17, 3) },
    { name: 'SMALL.BIN', data: bytesOf(5000, 4) },
  ];

  beforeAll(async () => {
    scratch = new ScratchDir();
    iso = buildIso9660({ volumeId: 'HVMIO_CD', files });
    const isoPath = scratch.image('disc.iso', iso.bytes.length, iso.bytes);
    // A disk on the primary channel, the CD-ROM as secondary master (the usual QEMU layout).
    sys = await bootIde([ide('ide0', mode, [disk(scratch.image('hd.img', 4 << 20)), null, cdrom(isoPath), null])]);
    const host = sys.hosts.get('ide0')!;
    expect(host.classes).toEqual(['ata', 'none', 'atapi', 'none']);
    cd = host.atapi(2);
    probe = await cd.probe();
  });

  afterAll(async () => {
    await sys?.machine.stop();
    scratch?.remove();
  });

  it('identifies as a 12-byte-packet CD/DVD device', () => {
    expect(cd.identity.isPacketDevice).toBe(true);
    expect(cd.identity.packetDeviceType).toBe(5);
    expect(cd.identity.packetBytes).toBe(12);
  });

  it('answers the sr probe: UNIT ATTENTION consumed, INQUIRY, READ CAPACITY, TOC, profile', () => {
    for (const s of probe.unitAttentions) expect(s.key).toBe(SENSE_UNIT_ATTENTION);
    expect(probe.inquiry.peripheralType).toBe(5);
    expect(probe.inquiry.removable).toBe(true);
    expect(probe.capacity).toEqual({ lastLba: iso.sectors - 1, blockBytes: CD_BLOCK_BYTES });
    expect([PROFILE_CD_ROM, PROFILE_DVD_ROM]).toContain(probe.currentProfile);
    expect(probe.modePage2A[8]! & 0x3f).toBe(0x2a); // the page follows the 8-byte header (DBD set)
    expect(probe.toc.firstTrack).toBe(1);
    expect(probe.toc.lastTrack).toBe(1);
    expect(probe.toc.tracks[0]).toMatchObject({ track: 1, lba: 0 });
    const leadOut = probe.toc.tracks.find((t) => t.track === 0xaa);
    expect(leadOut?.lba).toBe(iso.sectors);
    // media event class, NEA clear (ATAPI answers polled GESN)
    expect(probe.mediaEvent[2]! & 0x80).toBe(0);
    expect(probe.mediaEvent[2]! & 0x07).toBe(4);
  });

  it('reads the volume descriptor with READ(10)', async () => {
    const ram = sys.machine.bus.ram;
    const mark = ram.mark();
    try {
      const buf = GuestBuffer.contiguous(ram, ISO_SECTOR);
      await cd.read10(16, 1, buf, { dma: false });
      const pvd = buf.read();
      expect(pvd[0]).toBe(1);
      expect(String.fromCharCode(...pvd.subarray(1, 6))).toBe('CD001');
      expect(String.fromCharCode(...pvd.subarray(40, 48))).toBe('HVMIO_CD');
    } finally {
      ram.release(mark);
    }
  });

  it.each([
    ['READ(10) by PIO', 'read10', false],
    ['READ(10) by DMA', 'read10', true],
    ['READ(12) by PIO', 'read12', false],
    ['READ(12) by DMA', 'read12', true],
  ] as const)('%s returns every file as it went into the image', async (_name, op, dma) => {
    const ram = sys.machine.bus.ram;
    for (const entry of iso.files) {
      const file = files.find((f) => `${f.name};1` === entry.isoName)!;
      const blocks = Math.ceil(entry.size / ISO_SECTOR);
      const mark = ram.mark();
      try {
        const buf = GuestBuffer.scattered(ram, blocks * ISO_SECTOR, { seed: entry.extent });
        buf.fill(0xee);
        await cd[op](entry.extent, blocks, buf, { dma });
        expect(md5(buf.read(0, entry.size))).toBe(md5(file.data));
        expect(md5(buf.read(0, blocks * ISO_SECTOR))).toBe(md5(iso.bytes.subarray(entry.extent * ISO_SECTOR, (entry.extent + blocks) * ISO_SECTOR)));
      } finally {
        ram.release(mark);
      }
    }
  });

  it('a small byte count limit makes the drive split data into many DRQ blocks', async () => {
    const host = sys.hosts.get('ide0')!;
    const ram = sys.machine.bus.ram;
    const mark = ram.mark();
    try {
      const ch = host.channels[1]!;
      const small = await AtapiDevice.attach(ch, 0, { byteCountLimit: 1000 });
      const large = iso.files.find((f) => f.isoName === 'LARGE.BIN;1')!;
      const buf = GuestBuffer.scattered(ram, 8 * ISO_SECTOR);
      await small.read10(large.extent, 8, buf, { dma: false });
      expect(md5(buf.read())).toBe(md5(iso.bytes.subarray(large.extent * ISO_SECTOR, (large.extent + 8) * ISO_SECTOR)));
    } finally {
      ram.release(mark);
    }
  });

  it('reading past the last block is ILLEGAL REQUEST / LBA out of range, and the drive goes on', async () => {
    const ram = sys.machine.bus.ram;
    const mark = ram.mark();
    try {
      const buf = GuestBuffer.contiguous(ram, 4 * ISO_SECTOR);
      const err = await cd.read10(iso.sectors - 2, 4, buf, { dma: true }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(AtaError);
      const e = err as AtaError;
      expect(e.kind).toBe('check-condition');
      expect(e.sense?.key).toBe(SENSE_ILLEGAL_REQUEST);
      expect(e.sense?.asc).toBe(ASC_LBA_OUT_OF_RANGE);
      expect(e.error >> 4).toBe(SENSE_ILLEGAL_REQUEST); // sense key in the Error register too
      await cd.read10(16, 1, buf, { dma: true });
      expect(String.fromCharCode(...buf.read(1, 5))).toBe('CD001');
    } finally {
      ram.release(mark);
    }
  });

  it('an unknown opcode is ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE', async () => {
    const cdb = new Uint8Array(12);
    cdb[0] = 0xd9; // vendor-specific, not an MMC command
    const err = await cd.packet({ cdb, direction: 'none' }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(AtaError);
    expect((err as AtaError).sense?.key).toBe(SENSE_ILLEGAL_REQUEST);
    expect((err as AtaError).sense?.asc).toBe(ASC_INVALID_OPCODE);
    expect(await cd.testUnitReady()).toBeNull();
  });

  it('START STOP UNIT and PREVENT/ALLOW are accepted', async () => {
    await cd.startStopUnit(true);
    await cd.preventAllowMediumRemoval(true);
    await cd.preventAllowMediumRemoval(false);
    expect(await cd.testUnitReady()).toBeNull();
  });
});
