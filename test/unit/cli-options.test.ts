import { describe, expect, it } from 'vitest';
import { parseDeviceOptions } from '../../src/host/cli/device-options.js';
import { OptionError, parseKeyval } from '../../src/host/cli/keyval.js';

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
    expect(specs[0]!.drives).toEqual([
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
});
