// An ATAPI CD/DVD drive as libata + Linux `sr` drive it: IDENTIFY PACKET DEVICE, SET
// FEATURES transfer mode, then SCSI commands in 12-byte packets. `probe()` replays what sr
// and the cdrom layer send when the drive is found and a disc is mounted: TEST UNIT READY
// until the power-on UNIT ATTENTION is consumed, INQUIRY, READ CAPACITY, MODE SENSE(10)
// page 2Ah, GET CONFIGURATION, GET EVENT STATUS NOTIFICATION, READ TOC, PREVENT REMOVAL.

import { AtaError } from './ata-error.js';
import { RESPONSE_BUFFER_BYTES, type AtaChannel, type AtaLinkDevice } from './ata-channel.js';
import { runAtaCommand } from './ata-command.js';
import { withErrorHandling } from './ata-eh.js';
import { highestMode, parseIdentify, type AtaIdentity } from './ata-identify.js';
import { simpleTaskfile } from './ata-taskfile.js';
import { GuestBuffer } from './guest-buffer.js';
import { fetchSense, runPacketCommand, type PacketDirection, type PacketResult } from './atapi-packet.js';
import * as cdbs from './scsi-cdb.js';
import { SENSE_UNIT_ATTENTION, type SenseData } from './scsi-sense.js';
import {
  ATA_CMD_IDENTIFY_PACKET,
  ATA_CMD_SET_FEATURES,
  ATA_ID_WORDS,
  SETFEATURES_XFER,
  XFER_MW_DMA_0,
  XFER_PIO_0,
} from './ata-regs.js';

export const CD_BLOCK_BYTES = 2048;

export interface AtapiOptions {
  /** Use DMA for READ(10)/(12) when the drive supports it (libata does for block reads). */
  dma?: boolean;
  byteCountLimit?: number;
  timeoutMs?: number;
  skipSetMode?: boolean;
}

export interface InquiryData {
  peripheralType: number;
  removable: boolean;
  vendor: string;
  product: string;
  revision: string;
}

export interface TocTrack {
  track: number;
  adrControl: number;
  /** Start address as an LBA (TOC read with MSF = 0). */
  lba: number;
}

export interface TocData {
  firstTrack: number;
  lastTrack: number;
  /** Including the lead-out (track 0xAA). */
  tracks: TocTrack[];
}

export interface ProbeReport {
  unitAttentions: SenseData[];
  inquiry: InquiryData;
  capacity: { lastLba: number; blockBytes: number };
  modePage2A: Uint8Array;
  currentProfile: number;
  mediaEvent: Uint8Array;
  toc: TocData;
}

/** TEST UNIT READY attempts while a drive reports UNIT ATTENTION (scsi_test_unit_ready retries). */
const UNIT_ATTENTION_RETRIES = 5;

export class AtapiDevice implements AtaLinkDevice {
  readonly kind = 'atapi' as const;
  private id: AtaIdentity | null = null;
  xferMode: number | null = null;

  private constructor(
    readonly channel: AtaChannel,
    readonly unit: 0 | 1,
    private readonly opts: AtapiOptions,
  ) {}

  static async attach(ch: AtaChannel, unit: 0 | 1, opts: AtapiOptions = {}): Promise<AtapiDevice> {
    const dev = new AtapiDevice(ch, unit, opts);
    await ch.lock.run(async () => {
      dev.id = await dev.identifyUnlocked();
      await dev.configureUnlocked();
    });
    ch.devices[unit] = dev;
    return dev;
  }

  get identity(): AtaIdentity {
    if (!this.id) throw new Error('device not identified');
    return this.id;
  }

  async revalidate(): Promise<void> {
    await this.configureUnlocked();
  }

  /** One packet command with auto sense and error handling; the building block of the rest. */
  packet(cmd: { cdb: Uint8Array; direction: PacketDirection; buffer?: GuestBuffer; bytes?: number; dma?: boolean }): Promise<PacketResult> {
    return withErrorHandling(this.channel, () =>
      runPacketCommand(this.channel, {
        ...cmd,
        unit: this.unit,
        byteCountLimit: this.opts.byteCountLimit,
        cdbInterrupt: this.identity.drqTiming === 1,
        timeoutMs: this.opts.timeoutMs,
      }),
    );
  }

  /** null when ready; the sense data when the drive answered CHECK CONDITION. */
  async testUnitReady(): Promise<SenseData | null> {
    try {
      await this.packet({ cdb: cdbs.testUnitReady(), direction: 'none' });
      return null;
    } catch (err) {
      if (err instanceof AtaError && err.kind === 'check-condition') {
        return err.sense ?? { responseCode: 0x70, key: (err.error >> 4) & 0xf, asc: 0, ascq: 0, information: null };
      }
      throw err;
    }
  }

  async requestSense(): Promise<SenseData | null> {
    return withErrorHandling(this.channel, () => fetchSense(this.channel, this.unit, this.opts.timeoutMs));
  }

  async inquiry(): Promise<InquiryData> {
    const b = await this.query(cdbs.inquiry(96), 96);
    const text = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to)).trim();
    return {
      peripheralType: b[0]! & 0x1f,
      removable: (b[1]! & 0x80) !== 0,
      vendor: text(8, 16),
      product: text(16, 32),
      revision: text(32, 36),
    };
  }

  async readCapacity(): Promise<{ lastLba: number; blockBytes: number }> {
    const b = await this.query(cdbs.readCapacity(), 8);
    return { lastLba: cdbs.be32(b, 0), blockBytes: cdbs.be32(b, 4) };
  }

  /** READ(10) of `blocks` 2048-byte blocks into `buffer`. */
  async read10(lba: number, blocks: number, buffer: GuestBuffer, opts: { dma?: boolean } = {}): Promise<void> {
    await this.readBlocks(cdbs.read10(lba, blocks), blocks, buffer, opts.dma);
  }

  async read12(lba: number, blocks: number, buffer: GuestBuffer, opts: { dma?: boolean } = {}): Promise<void> {
    await this.readBlocks(cdbs.read12(lba, blocks), blocks, buffer, opts.dma);
  }

  async readToc(): Promise<TocData> {
    const b = await this.query(cdbs.readToc({ msf: false, format: 0, track: 0, allocation: 804 }), 804);
    const length = Math.min(cdbs.be16(b, 0) + 2, b.length);
    const tracks: TocTrack[] = [];
    for (let at = 4; at + 8 <= length; at += 8) {
      tracks.push({ adrControl: b[at + 1]!, track: b[at + 2]!, lba: cdbs.be32(b, at + 4) });
    }
    return { firstTrack: b[2]!, lastTrack: b[3]!, tracks };
  }

  async modeSense10(page: number, allocation = 128): Promise<Uint8Array> {
    return this.query(cdbs.modeSense10(page, allocation), allocation);
  }

  /** Returns the response and the current profile (bytes 6-7 of the feature header). */
  async getConfiguration(rt = 0, startFeature = 0, allocation = 64): Promise<{ bytes: Uint8Array; currentProfile: number }> {
    const bytes = await this.query(cdbs.getConfiguration(rt, startFeature, allocation), allocation);
    return { bytes, currentProfile: cdbs.be16(bytes, 6) };
  }

  async getEventStatusNotification(classMask = cdbs.GESN_CLASS_MEDIA, allocation = 8): Promise<Uint8Array> {
    return this.query(cdbs.getEventStatusNotification(classMask, allocation), allocation);
  }

  async preventAllowMediumRemoval(prevent: boolean): Promise<void> {
    await this.packet({ cdb: cdbs.preventAllowMediumRemoval(prevent), direction: 'none' });
  }

  async startStopUnit(start: boolean, loadEject = false): Promise<void> {
    await this.packet({ cdb: cdbs.startStopUnit(start, loadEject), direction: 'none' });
  }

  /** The probe/mount sequence of Linux sr + cdrom (see the header comment). */
  async probe(): Promise<ProbeReport> {
    const unitAttentions: SenseData[] = [];
    for (let attempt = 0; ; attempt++) {
      const sense = await this.testUnitReady();
      if (!sense) break;
      if (sense.key !== SENSE_UNIT_ATTENTION || attempt >= UNIT_ATTENTION_RETRIES) {
        throw new Error(`drive not ready: sense key ${sense.key}, asc ${sense.asc.toString(16)}h`);
      }
      unitAttentions.push(sense);
    }
    const inquiry = await this.inquiry();
    const capacity = await this.readCapacity();
    const modePage2A = await this.modeSense10(cdbs.MODE_PAGE_CAPABILITIES);
    const { currentProfile } = await this.getConfiguration(0, 0, 8);
    const mediaEvent = await this.getEventStatusNotification();
    const toc = await this.readToc();
    await this.preventAllowMediumRemoval(true);
    await this.preventAllowMediumRemoval(false);
    return { unitAttentions, inquiry, capacity, modePage2A, currentProfile, mediaEvent, toc };
  }

  /** A PIO data-in command answered into the channel's response buffer; returns a copy. */
  private async query(cdb: Uint8Array, allocation: number): Promise<Uint8Array> {
    if (allocation > RESPONSE_BUFFER_BYTES) throw new RangeError(`allocation length ${allocation} too large`);
    const buf = new GuestBuffer(this.channel.bus.ram, [{ addr: this.channel.responseBuffer, len: allocation }]);
    return withErrorHandling(this.channel, async () => {
      buf.fill(0);
      const r = await runPacketCommand(this.channel, {
        unit: this.unit,
        cdb,
        direction: 'in',
        buffer: buf,
        byteCountLimit: this.opts.byteCountLimit,
        cdbInterrupt: this.identity.drqTiming === 1,
        timeoutMs: this.opts.timeoutMs,
      });
      return buf.read(0, r.transferred);
    });
  }

  private async readBlocks(cdb: Uint8Array, blocks: number, buffer: GuestBuffer, dma?: boolean): Promise<void> {
    const bytes = blocks * CD_BLOCK_BYTES;
    if (buffer.length < bytes) throw new RangeError(`buffer of ${buffer.length} bytes for ${blocks} blocks`);
    const useDma = (dma ?? this.opts.dma ?? true) && this.identity.dmaSupported && this.channel.bm !== null;
    const r = await this.packet({ cdb, direction: 'in', buffer, bytes, dma: useDma });
    if (r.transferred !== bytes) {
      throw new AtaError({ kind: 'protocol', command: 0xa0, status: r.status, error: 0, detail: `short read: ${r.transferred} of ${bytes} bytes` });
    }
  }

  private async identifyUnlocked(): Promise<AtaIdentity> {
    const ch = this.channel;
    const buf = new GuestBuffer(ch.bus.ram, [{ addr: ch.smallBuffer, len: ATA_ID_WORDS * 2 }]);
    await runAtaCommand(ch, {
      unit: this.unit,
      tf: simpleTaskfile(this.unit, ATA_CMD_IDENTIFY_PACKET),
      protocol: 'pio-in',
      buffer: buf,
      timeoutMs: this.opts.timeoutMs,
    });
    const bytes = buf.read();
    const id = parseIdentify(new Uint16Array(bytes.buffer, bytes.byteOffset, ATA_ID_WORDS));
    if (!id.isPacketDevice) {
      throw new AtaError({ kind: 'protocol', command: ATA_CMD_IDENTIFY_PACKET, status: 0, error: 0, detail: 'not a packet device' });
    }
    return id;
  }

  private async configureUnlocked(): Promise<void> {
    if (this.opts.skipSetMode) return;
    const id = this.identity;
    const mwdma = highestMode(id.mwdmaSupported);
    const mode = id.dmaSupported && mwdma >= 0 ? XFER_MW_DMA_0 + mwdma : XFER_PIO_0 + id.maxPioMode;
    await runAtaCommand(this.channel, {
      unit: this.unit,
      tf: simpleTaskfile(this.unit, ATA_CMD_SET_FEATURES, { feature: SETFEATURES_XFER, nsect: mode }),
      protocol: 'non-data',
      timeoutMs: this.opts.timeoutMs,
    });
    this.xferMode = mode;
    this.id = await this.identifyUnlocked();
  }
}
