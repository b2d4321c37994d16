import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDeviceOptions } from '../../src/host/cli/device-options.js';
import { OptionError, parseKeyval } from '../../src/host/cli/keyval.js';
import { lsi53c895aIdentity, prepareLsi53c895a } from '../../src/host/devices/lsi53c895a.js';
import { preparePiix3 } from '../../src/host/devices/piix3-ide.js';
import type { ScsiDeviceSpec } from '../../src/host/devices/device-spec.js';

describe('QEMU-style option parsing', () => {
  it('splits keys and honours ",," as a literal comma', () => {
    expect(parseKeyval('piix3-ide,id=a,drive=x,,y.img', '--device')).toEqual({
      driver: 'piix3-ide',
      entries: [['id', 'a'], ['drive', 'x,y.img']],
    });
  });

  it('builds controllers with drives on channels and units', () => {
    const specs = parseDeviceOptions([
      'piix3-ide,id=ide0,drive=a.img,cache=none',
      'ide-hd,bus=ide0.1,drive=b.img',
      'ide-cd,bus=ide0.1,unit=1,drive=c.iso',
    ], { ideMode: 'legacy' });
    expect(specs).toHaveLength(1);
    const spec = specs[0]!;
    if (spec.kind !== 'piix3-ide') throw new Error(`parsed a ${spec.kind}`);
    expect(spec.drives).toEqual([
      { path: 'a.img', cache: 'none', media: 'disk', readOnly: false },
      null,
      { path: 'b.img', cache: 'writeback', media: 'disk', readOnly: false },
      { path: 'c.iso', cache: 'writeback', media: 'cdrom', readOnly: true },
    ]);
  });

  it.each([
    ['virtio-blk,drive=a', /unknown device/],
    ['piix3-ide,drive=a,colour=red', /unknown key "colour"/],
    ['piix3-ide,drive=a,cache=sometimes', /not one of none, writeback/],
    ['piix3-ide,id=x,media=cdrom', /without drive=/],
    ['piix3-ide,drive=a,drive=b', /given twice/],
    ['piix3-ide,media=cdrom,drive=a.iso,readonly=off', /read-only/],
    ['piix3-ide,mode=turbo', /not one of legacy, native/],
  ])('rejects %s with one clear line', (text, message) => {
    expect(() => parseDeviceOptions([text], { ideMode: 'legacy' })).toThrow(message);
    expect(() => parseDeviceOptions([text], { ideMode: 'legacy' })).toThrow(OptionError);
  });

  it('rejects duplicate ids and drives on unknown or occupied buses', () => {
    expect(() => parseDeviceOptions(['piix3-ide,id=a', 'piix3-ide,id=a'], { ideMode: 'legacy' })).toThrow(/used twice/);
    expect(() => parseDeviceOptions(['ide-hd,bus=nope.0,drive=x'], { ideMode: 'legacy' })).toThrow(/no controller/);
    expect(() => parseDeviceOptions(['piix3-ide,id=a,drive=x', 'ide-hd,bus=a.0,drive=y'], { ideMode: 'legacy' })).toThrow(/already has a drive/);
    expect(() => parseDeviceOptions(['piix3-ide,id=a', 'ide-hd,bus=a.2,drive=y'], { ideMode: 'legacy' })).toThrow(/must be CONTROLLER/);
  });

  it('rejects an IDE drive on a SCSI controller and the other way round', () => {
    expect(() => parseDeviceOptions(['lsi53c895a,id=s', 'ide-hd,bus=s.0,drive=x'], { ideMode: 'legacy' })).toThrow(/not an IDE controller/);
    expect(() => parseDeviceOptions(['piix3-ide,id=i', 'scsi-hd,bus=i.0,drive=x'], { ideMode: 'legacy' })).toThrow(/not a SCSI controller/);
    expect(() => parseDeviceOptions(['piix3-ide,id=c', 'lsi53c895a,id=c'], { ideMode: 'legacy' })).toThrow(/used twice/);
  });
});

describe('LSI 53C895A options', () => {
  const parse = (...values: string[]) => parseDeviceOptions(values, { ideMode: 'native' });

  it('puts the controller drive at SCSI ID 0 and scsi-hd disks at their scsi-id', () => {
    const specs = parse('lsi53c895a,id=scsi0,drive=a.img,cache=none', 'scsi-hd,bus=scsi0.0,scsi-id=3,drive=b.img,readonly=on', 'scsi-hd,bus=scsi0.0,scsi-id=15,drive=c.img');
    expect(specs).toHaveLength(1);
    const spec = specs[0]!;
    expect(spec.kind).toBe('lsi53c895a');
    if (spec.kind !== 'lsi53c895a') return;
    expect(spec.id).toBe('scsi0');
    expect(spec.targets).toHaveLength(16);
    expect(spec.targets[0]).toEqual({ path: 'a.img', cache: 'none', media: 'disk', readOnly: false });
    expect(spec.targets[3]).toEqual({ path: 'b.img', cache: 'writeback', media: 'disk', readOnly: true });
    expect(spec.targets[15]).toEqual({ path: 'c.img', cache: 'writeback', media: 'disk', readOnly: false });
    expect(spec.targets.filter((t) => t !== null)).toHaveLength(3);
  });

  it('gives a scsi-hd without scsi-id the lowest free ID other than 7, after the explicit ones', () => {
    const ids = (specs: ReturnType<typeof parse>) => {
      const s = specs[0]!;
      if (s.kind !== 'lsi53c895a') throw new Error('not SCSI');
      return s.targets.flatMap((t, i) => (t ? [[i, t.path] as const] : []));
    };
    // Auto-placed disks are listed before the explicit one that claims ID 1: it still gets 1.
    expect(ids(parse('lsi53c895a,id=s,drive=a', 'scsi-hd,bus=s.0,drive=b', 'scsi-hd,bus=s.0,drive=c', 'scsi-hd,bus=s.0,scsi-id=1,drive=d'))).toEqual([
      [0, 'a'], [1, 'd'], [2, 'b'], [3, 'c'],
    ]);
    const many = ['lsi53c895a,id=s', ...Array.from({ length: 8 }, (_, i) => `scsi-hd,bus=s.0,drive=d${i}`)];
    expect(ids(parse(...many)).map(([id]) => id)).toEqual([0, 1, 2, 3, 4, 5, 6, 8]);
    const full = ['lsi53c895a,id=s', ...Array.from({ length: 16 }, (_, i) => `scsi-hd,bus=s.0,drive=d${i}`)];
    expect(() => parse(...full)).toThrow(/every SCSI ID of s is taken/);
  });

  it('names anonymous controllers scsi0, scsi1, ...', () => {
    expect(parse('lsi53c895a', 'lsi53c895a').map((s) => s.id)).toEqual(['scsi0', 'scsi1']);
  });

  it.each([
    ['lsi53c895a,id=s,media=cdrom', /unknown key "media"/],
    ['lsi53c895a,id=s,mode=native', /unknown key "mode"/],
    ['lsi53c895a,id=s,cache=none', /without drive=/],
    ['lsi53c895a,id=s,drive=a,cache=maybe', /not one of none, writeback/],
    ['lsi53c895a,id=s,drive=a,readonly=perhaps', /not on\/off/],
  ])('rejects the controller option %s', (text, message) => {
    expect(() => parse(text)).toThrow(message);
    expect(() => parse(text)).toThrow(OptionError);
  });

  it.each([
    ['scsi-hd,bus=s.0,scsi-id=7,drive=x', /scsi-id 7 is the controller's own ID/],
    ['scsi-hd,bus=s.0,scsi-id=0,drive=x', /SCSI ID 0 of s already has a disk/],
    ['scsi-hd,bus=s.0,scsi-id=16,drive=x', /not a SCSI ID in 0\.\.15/],
    ['scsi-hd,bus=s.0,scsi-id=-1,drive=x', /not a SCSI ID/],
    ['scsi-hd,bus=s.0,scsi-id=two,drive=x', /not a SCSI ID/],
    ['scsi-hd,bus=s.0,scsi-id=2', /needs drive=FILE/],
    ['scsi-hd,bus=s.0,scsi-id=2,drive=', /drive= is empty/],
    ['scsi-hd,scsi-id=2,drive=x', /needs bus=CONTROLLER.0/],
    ['scsi-hd,bus=s.1,drive=x', /must be CONTROLLER.0/],
    ['scsi-hd,bus=t.0,drive=x', /no controller with id "t"/],
    ['scsi-hd,bus=s.0,drive=x,unit=1', /unknown key "unit"/],
    ['scsi-hd,bus=s.0,drive=x,lun=1', /unknown key "lun"/],
  ])('rejects the disk option %s with one clear line', (text, message) => {
    const run = () => parse('lsi53c895a,id=s,drive=a.img', text);
    expect(run).toThrow(message);
    expect(run).toThrow(OptionError);
    try {
      run();
    } catch (err) {
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('rejects two disks at the same explicit ID', () => {
    expect(() => parse('lsi53c895a,id=s', 'scsi-hd,bus=s.0,scsi-id=4,drive=a', 'scsi-hd,bus=s.0,scsi-id=4,drive=b')).toThrow(/SCSI ID 4 of s already has a disk/);
  });
});

describe('LSI 53C895A images and identity', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hvmio-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const image = (name: string, bytes: number): string => {
    const p = join(dir, name);
    writeFileSync(p, Buffer.alloc(bytes));
    return p;
  };
  const spec = (...values: string[]): ScsiDeviceSpec => {
    const s = parseDeviceOptions(values, { ideMode: 'native' })[0]!;
    if (s.kind !== 'lsi53c895a') throw new Error('not SCSI');
    return s;
  };

  it('numbers the backends in SCSI ID order and encodes each disk at its ID', () => {
    const a = image('a.img', 1024 * 512);
    const b = image('b.img', 8 * 512);
    const p = prepareLsi53c895a(spec(`lsi53c895a,id=s,drive=${a}`, `scsi-hd,bus=s.0,scsi-id=9,drive=${b},readonly=on`));
    expect(p.drives).toEqual([
      { path: a, cache: 'writeback', readOnly: false, allowEmpty: true },
      { path: b, cache: 'writeback', readOnly: true, allowEmpty: true },
    ]);
    const view = new DataView(p.config.buffer, p.config.byteOffset, p.config.byteLength);
    const entry = (id: number) => 16 + id * 80;
    expect(view.getUint8(entry(0))).toBe(1); // disk
    expect(view.getUint32(entry(0) + 4, true)).toBe(0); // drive 0
    expect(view.getBigUint64(entry(0) + 8, true)).toBe(1024n);
    expect(view.getUint8(entry(9))).toBe(1);
    expect(view.getUint8(entry(9) + 1)).toBe(1); // read-only
    expect(view.getUint32(entry(9) + 4, true)).toBe(1); // drive 1
    expect(view.getBigUint64(entry(9) + 8, true)).toBe(8n);
    for (const empty of [1, 7, 8, 15]) expect(view.getUint8(entry(empty))).toBe(0);
  });

  it.each([
    ['missing', () => join(dir, 'nope.img'), /no such file/],
    ['odd-sized', () => image('odd.img', 512 * 3 + 100), /size 1636 is not a multiple of 512 bytes/],
  ])('refuses a %s image with one line naming it', (_what, make, message) => {
    const path = make();
    expect(() => prepareLsi53c895a(spec(`lsi53c895a,id=s`, `scsi-hd,bus=s.0,scsi-id=2,drive=${path}`))).toThrow(message);
    expect(() => prepareLsi53c895a(spec(`lsi53c895a,id=s`, `scsi-hd,bus=s.0,scsi-id=2,drive=${path}`))).toThrow(path);
  });

  it('takes an empty image as a disk of 0 sectors (no usable medium); IDE still refuses one', () => {
    const empty = image('empty.img', 0);
    const p = prepareLsi53c895a(spec(`lsi53c895a,id=s`, `scsi-hd,bus=s.0,scsi-id=2,drive=${empty}`));
    expect(p.drives).toEqual([{ path: empty, cache: 'writeback', readOnly: false, allowEmpty: true }]);
    const view = new DataView(p.config.buffer, p.config.byteOffset, p.config.byteLength);
    expect(view.getUint8(16 + 2 * 80)).toBe(1);
    expect(view.getBigUint64(16 + 2 * 80 + 8, true)).toBe(0n);
    for (const ide of [`piix3-ide,id=i,drive=${empty}`, `piix3-ide,id=i,drive=${empty},media=cdrom`]) {
      const s = parseDeviceOptions([ide], { ideMode: 'native' })[0]!;
      if (s.kind !== 'piix3-ide') throw new Error('not IDE');
      expect(() => preparePiix3(s)).toThrow(new RegExp(`^drive ${empty}: image is empty$`));
    }
  });

  it('refuses a disk at the adapter ID even when a spec is built by hand', () => {
    const targets = new Array(16).fill(null);
    targets[7] = { path: image('seven.img', 512), cache: 'writeback', media: 'disk' };
    expect(() => prepareLsi53c895a({ kind: 'lsi53c895a', id: 'x', targets })).toThrow(/SCSI ID 7 is the adapter's own/);
  });

  it('is PCI 1000:0012, class 0x010000, INTA#, I/O 256 B, MMIO 1 KiB, SCRIPTS RAM 8 KiB, no ROM', () => {
    const id = lsi53c895aIdentity();
    expect([id.vendorId, id.deviceId, id.classCode, id.interruptPin, id.romSize]).toEqual([0x1000, 0x0012, 0x010000, 1, 0]);
    expect(id.bars).toEqual([{ kind: 'io', size: 256 }, { kind: 'mem32', size: 1024 }, { kind: 'mem32', size: 8192 }, null, null, null]);
  });
});
