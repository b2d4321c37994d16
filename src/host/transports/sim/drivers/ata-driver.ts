// An ATA disk as libata drives it through an SFF/BMDMA controller: IDENTIFY DEVICE, choose
// and set the transfer mode (the best multiword DMA mode: PIIX3 has no Ultra DMA), SET
// MULTIPLE MODE, then READ/WRITE in DMA, PIO single-sector or PIO multiple, LBA28 unless a
// request needs LBA48, and FLUSH CACHE (EXT). Requests larger than one command are split the
// way the block layer's max_sectors would split them.

import { GuestBuffer } from './guest-buffer.js';
import { AtaError } from './ata-error.js';
import type { AtaChannel, AtaLinkDevice, PioWidth } from './ata-channel.js';
import { runAtaCommand, type AtaCommand, type AtaProtocol, type AtaResult } from './ata-command.js';
import { withErrorHandling } from './ata-eh.js';
import { highestMode, parseIdentify, type AtaIdentity } from './ata-identify.js';
import { chooseAddressing, rwTaskfile, simpleTaskfile, type AtaAddressing } from './ata-taskfile.js';
import {
  ATA_CMD_FLUSH_CACHE,
  ATA_CMD_FLUSH_CACHE_EXT,
  ATA_CMD_IDENTIFY,
  ATA_CMD_READ_DMA,
  ATA_CMD_READ_DMA_EXT,
  ATA_CMD_READ_MULTIPLE,
  ATA_CMD_READ_MULTIPLE_EXT,
  ATA_CMD_READ_SECTORS,
  ATA_CMD_READ_SECTORS_EXT,
  ATA_CMD_SET_FEATURES,
  ATA_CMD_SET_MULTIPLE,
  ATA_CMD_WRITE_DMA,
  ATA_CMD_WRITE_DMA_EXT,
  ATA_CMD_WRITE_MULTIPLE,
  ATA_CMD_WRITE_MULTIPLE_EXT,
  ATA_CMD_WRITE_SECTORS,
  ATA_CMD_WRITE_SECTORS_EXT,
  ATA_ID_WORDS,
  ATA_SECTOR_BYTES,
  SETFEATURES_XFER,
  XFER_MW_DMA_0,
  XFER_PIO_0,
} from './ata-regs.js';

/** How a read/write moves its data. */
export type AtaTransfer = 'dma' | 'pio' | 'pio-multiple';

export interface AtaDiskOptions {
  /** Largest command in sectors (block layer max_sectors); default 2048 with LBA48, else 256. */
  maxSectorsPerCommand?: number;
  /** 16-bit (libata default) or 32-bit Data register access. */
  pioWidth?: PioWidth;
  /** Sectors per DRQ block for READ/WRITE MULTIPLE; default: the device maximum, at most 16. */
  multipleCount?: number;
  /** Skip SET FEATURES (stay in the power-on transfer mode). */
  skipSetMode?: boolean;
  timeoutMs?: number;
}

const DEFAULT_MAX_SECTORS_LBA48 = 2048;
const DEFAULT_MAX_SECTORS_LBA28 = 256;
/** libata caps multi_count at 16 sectors for old devices' sake; emulated ones report 16 anyway. */
const MAX_MULTIPLE = 16;

/** [dma, pio, pio-multiple] x [lba28, lba48] opcodes, as libata's ata_rw_cmds table. */
const READ_OPCODES: Record<AtaTransfer, Record<AtaAddressing, number>> = {
  dma: { lba28: ATA_CMD_READ_DMA, lba48: ATA_CMD_READ_DMA_EXT },
  pio: { lba28: ATA_CMD_READ_SECTORS, lba48: ATA_CMD_READ_SECTORS_EXT },
  'pio-multiple': { lba28: ATA_CMD_READ_MULTIPLE, lba48: ATA_CMD_READ_MULTIPLE_EXT },
};
const WRITE_OPCODES: Record<AtaTransfer, Record<AtaAddressing, number>> = {
  dma: { lba28: ATA_CMD_WRITE_DMA, lba48: ATA_CMD_WRITE_DMA_EXT },
  pio: { lba28: ATA_CMD_WRITE_SECTORS, lba48: ATA_CMD_WRITE_SECTORS_EXT },
  'pio-multiple': { lba28: ATA_CMD_WRITE_MULTIPLE, lba48: ATA_CMD_WRITE_MULTIPLE_EXT },
};

export class AtaDisk implements AtaLinkDevice {
  readonly kind = 'ata' as const;
  private id: AtaIdentity | null = null;
  /** The transfer mode SET FEATURES selected (XFER_* code), or null if not set. */
  xferMode: number | null = null;
  /** Sectors per DRQ block for READ/WRITE MULTIPLE; 0 = multiple mode off. */
  multipleCount = 0;

  private constructor(
    readonly channel: AtaChannel,
    readonly unit: 0 | 1,
    private readonly opts: AtaDiskOptions,
  ) {}

  /** Probes the device (IDENTIFY), configures it and registers it with its channel. */
  static async attach(ch: AtaChannel, unit: 0 | 1, opts: AtaDiskOptions = {}): Promise<AtaDisk> {
    const disk = new AtaDisk(ch, unit, opts);
    await ch.lock.run(async () => {
      disk.id = await disk.identifyUnlocked();
      await disk.configureUnlocked();
    });
    ch.devices[unit] = disk;
    return disk;
  }

  get identity(): AtaIdentity {
    if (!this.id) throw new Error('device not identified');
    return this.id;
  }

  get sectors(): number {
    return this.identity.sectors;
  }

  /** Called by the channel error handler after a reset (lock already held). */
  async revalidate(): Promise<void> {
    await this.configureUnlocked();
  }

  async read(lba: number, count: number, buffer: GuestBuffer, transfer: AtaTransfer = 'dma'): Promise<void> {
    await this.transfer('read', lba, count, buffer, transfer);
  }

  async write(lba: number, count: number, buffer: GuestBuffer, transfer: AtaTransfer = 'dma'): Promise<void> {
    await this.transfer('write', lba, count, buffer, transfer);
  }

  /** FLUSH CACHE EXT when the device has 48-bit addressing and the EXT form, else FLUSH CACHE. */
  async flush(): Promise<void> {
    const id = this.identity;
    const opcode = id.lba48 && id.flushCacheExtSupported ? ATA_CMD_FLUSH_CACHE_EXT : ATA_CMD_FLUSH_CACHE;
    await withErrorHandling(this.channel, () =>
      runAtaCommand(this.channel, { unit: this.unit, tf: simpleTaskfile(this.unit, opcode), protocol: 'non-data', timeoutMs: this.opts.timeoutMs }),
    );
  }

  /** Re-reads IDENTIFY DEVICE (e.g. to confirm a mode change). */
  async identify(): Promise<AtaIdentity> {
    this.id = await withErrorHandling(this.channel, () => this.identifyUnlocked());
    return this.id;
  }

  /** Runs one raw command on this device (tests of odd or invalid commands); no splitting. */
  command(cmd: Omit<AtaCommand, 'unit'>, opts: { errorHandling?: boolean } = {}): Promise<AtaResult> {
    const run = () => runAtaCommand(this.channel, { ...cmd, unit: this.unit, pioWidth: cmd.pioWidth ?? this.opts.pioWidth });
    return opts.errorHandling === false ? this.channel.lock.run(run) : withErrorHandling(this.channel, run);
  }

  /** The sectors-per-command limit the driver splits requests at. */
  get maxSectorsPerCommand(): number {
    return this.opts.maxSectorsPerCommand ?? (this.identity.lba48 ? DEFAULT_MAX_SECTORS_LBA48 : DEFAULT_MAX_SECTORS_LBA28);
  }

  private async transfer(dir: 'read' | 'write', lba: number, count: number, buffer: GuestBuffer, transfer: AtaTransfer): Promise<void> {
    if (count <= 0) throw new RangeError('a transfer moves at least one sector');
    if (buffer.length < count * ATA_SECTOR_BYTES) throw new RangeError(`buffer of ${buffer.length} bytes for ${count} sectors`);
    // Without multiple mode enabled the MULTIPLE commands are aborted: libata falls back.
    const mode: AtaTransfer = transfer === 'pio-multiple' && this.multipleCount === 0 ? 'pio' : transfer;
    const max = this.maxSectorsPerCommand;
    for (let done = 0; done < count; ) {
      const n = Math.min(max, count - done);
      const at = lba + done;
      const addressing = chooseAddressing(at, n, this.identity.lba48);
      const opcode = (dir === 'read' ? READ_OPCODES : WRITE_OPCODES)[mode][addressing];
      const protocol: AtaProtocol = mode === 'dma' ? (dir === 'read' ? 'dma-in' : 'dma-out') : dir === 'read' ? 'pio-in' : 'pio-out';
      const slice = buffer.slice(done * ATA_SECTOR_BYTES, n * ATA_SECTOR_BYTES);
      await withErrorHandling(this.channel, () =>
        runAtaCommand(this.channel, {
          unit: this.unit,
          tf: rwTaskfile(this.unit, opcode, at, n, addressing),
          protocol,
          buffer: slice,
          drqBlockBytes: (mode === 'pio-multiple' ? this.multipleCount : 1) * ATA_SECTOR_BYTES,
          pioWidth: this.opts.pioWidth,
          timeoutMs: this.opts.timeoutMs,
        }),
      );
      done += n;
    }
  }

  private async identifyUnlocked(): Promise<AtaIdentity> {
    const ch = this.channel;
    const buf = new GuestBuffer(ch.bus.ram, [{ addr: ch.smallBuffer, len: ATA_ID_WORDS * 2 }]);
    await runAtaCommand(ch, {
      unit: this.unit,
      tf: simpleTaskfile(this.unit, ATA_CMD_IDENTIFY),
      protocol: 'pio-in',
      buffer: buf,
      timeoutMs: this.opts.timeoutMs,
    });
    const bytes = buf.read();
    const id = parseIdentify(new Uint16Array(bytes.buffer, bytes.byteOffset, ATA_ID_WORDS));
    if (id.isPacketDevice) {
      throw new AtaError({ kind: 'protocol', command: ATA_CMD_IDENTIFY, status: 0, error: 0, detail: 'packet device answered IDENTIFY DEVICE' });
    }
    return id;
  }

  /** ata_dev_set_mode + multi-count setup; re-IDENTIFY so that `identity` shows the result. */
  private async configureUnlocked(): Promise<void> {
    const ch = this.channel;
    const id = this.identity;
    if (!this.opts.skipSetMode) {
      const mwdma = highestMode(id.mwdmaSupported);
      const mode = id.dmaSupported && mwdma >= 0 ? XFER_MW_DMA_0 + mwdma : XFER_PIO_0 + id.maxPioMode;
      await runAtaCommand(ch, {
        unit: this.unit,
        tf: simpleTaskfile(this.unit, ATA_CMD_SET_FEATURES, { feature: SETFEATURES_XFER, nsect: mode }),
        protocol: 'non-data',
        timeoutMs: this.opts.timeoutMs,
      });
      this.xferMode = mode;
    }
    const wanted = Math.min(this.opts.multipleCount ?? Math.min(id.maxMultiple, MAX_MULTIPLE), id.maxMultiple);
    this.multipleCount = 0;
    if (wanted > 0) {
      try {
        await runAtaCommand(ch, {
          unit: this.unit,
          tf: simpleTaskfile(this.unit, ATA_CMD_SET_MULTIPLE, { nsect: wanted }),
          protocol: 'non-data',
          timeoutMs: this.opts.timeoutMs,
        });
        this.multipleCount = wanted;
      } catch (err) {
        // A device that aborts SET MULTIPLE simply keeps single-sector DRQ blocks.
        if (!(err instanceof AtaError && err.kind === 'device' && err.aborted)) throw err;
      }
    }
    this.id = await this.identifyUnlocked();
  }
}
