// SYNC_SYSMEM -> mapped guest RAM: validation, mapping reuse across the ~20 re-sends of a boot,
// descriptor hygiene, and that the result is what GuestRam takes (spec/mpqemu.md 5.1).
import { closeSync, fstatSync, readSync, writeSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';

import type { SysmemEntry } from '../../src/host/transports/mpqemu/messages.js';
import { ProtocolError } from '../../src/host/transports/mpqemu/protocol-error.js';
import { SysmemMapper } from '../../src/host/transports/mpqemu/sysmem.js';
import { type Fd, memfdCreate, recvMsg, sendMsg, socketpair } from '../../src/native/addon.js';
import { GuestRam } from '../../src/shared-mem/guest-ram.js';
import { gpa } from '../../src/shared-mem/types.js';

const MiB = 0x10_0000;
const opened: Fd[] = [];
function memfd(name: string, size: number): Fd {
  const fd = memfdCreate(name, size);
  opened.push(fd);
  return fd;
}
afterEach(() => {
  for (const fd of opened.splice(0)) closeSync(fd);
});

function isOpen(fd: Fd): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

/** A fresh descriptor for the same file, delivered over a socket the way QEMU delivers it. */
function received(fd: Fd): Fd {
  const [a, b] = socketpair();
  try {
    sendMsg(a, Buffer.from('x'), [fd]);
    return recvMsg(b, 1)!.fds[0]!;
  } finally {
    closeSync(a);
    closeSync(b);
  }
}

function entry(file: Fd, gpaValue: number, size: number, offset: number): SysmemEntry {
  return { gpa: BigInt(gpaValue), size: BigInt(size), offset: BigInt(offset), fd: received(file) };
}

function rejects(mapper: SysmemMapper, entries: SysmemEntry[], reason: RegExp): void {
  let error: unknown;
  try {
    mapper.apply(entries);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ProtocolError);
  expect((error as ProtocolError).kind).toBe('bad-region');
  expect((error as ProtocolError).message).toMatch(reason);
  for (const e of entries) expect(isOpen(e.fd)).toBe(false);
}

describe('SysmemMapper', () => {
  it('maps each region at its file offset, sorted by gpa, and GuestRam reads and writes through it', () => {
    // QEMU's layout at realize for -m 16M: [0, 0xc0000) and [1 MiB, 16 MiB) of one memfd.
    const ram = memfd('guest-ram', 16 * MiB);
    writeSync(ram, Buffer.from('below-640k'), 0, 10, 0x8032);
    writeSync(ram, Buffer.from('high-memory'), 0, 11, 2 * MiB);
    const mapper = new SysmemMapper();
    const entries = [entry(ram, 1 * MiB, 15 * MiB, 1 * MiB), entry(ram, 0, 0xc0000, 0)];
    const regions = mapper.apply(entries);

    expect(regions.map((r) => [r.gpa, r.size, r.buffer.byteLength])).toEqual([
      [0, 0xc0000, 0xc0000],
      [1 * MiB, 15 * MiB, 15 * MiB],
    ]);
    for (const e of entries) expect(isOpen(e.fd)).toBe(false); // nothing kept

    const guest = new GuestRam(regions);
    const got = new Uint8Array(11);
    expect(guest.read(gpa(0x8032), 10, got)).toBe(true);
    expect(Buffer.from(got.subarray(0, 10)).toString()).toBe('below-640k');
    expect(guest.read(gpa(2 * MiB), 11, got)).toBe(true);
    expect(Buffer.from(got).toString()).toBe('high-memory');
    expect(guest.covers(gpa(0xc0000), 1)).toBe(false); // the hole QEMU left out

    expect(guest.write(gpa(0x9000), Buffer.from('MPQEMU'))).toBe(true);
    const file = Buffer.alloc(6);
    readSync(ram, file, 0, 6, 0x9000);
    expect(file.toString()).toBe('MPQEMU');
  });

  it('reuses a mapping when the same file window comes back with a new descriptor', () => {
    const ram = memfd('reused', 4 * MiB);
    const mapper = new SysmemMapper();
    const first = mapper.apply([entry(ram, 0, 2 * MiB, 0), entry(ram, 2 * MiB, 2 * MiB, 2 * MiB)]);
    const second = mapper.apply([entry(ram, 0, 2 * MiB, 0), entry(ram, 2 * MiB, 2 * MiB, 2 * MiB)]);
    expect(second[0]!.buffer).toBe(first[0]!.buffer);
    expect(second[1]!.buffer).toBe(first[1]!.buffer);
    expect(mapper.mappingCount).toBe(2);

    // A different window of the same file, or the same window at another gpa.
    const third = mapper.apply([entry(ram, 0, 4 * MiB, 0), entry(ram, 8 * MiB, 2 * MiB, 2 * MiB)]);
    expect(third[0]!.buffer).not.toBe(first[0]!.buffer);
    expect(third[1]!.buffer).toBe(first[1]!.buffer);
    expect(mapper.mappingCount).toBe(2);
  });

  it('does not reuse a mapping of another file with the same window', () => {
    const a = memfd('file-a', MiB);
    const b = memfd('file-b', MiB);
    const mapper = new SysmemMapper();
    const first = mapper.apply([entry(a, 0, MiB, 0)]);
    const second = mapper.apply([entry(b, 0, MiB, 0)]);
    expect(second[0]!.buffer).not.toBe(first[0]!.buffer);
    new Uint8Array(second[0]!.buffer)[0] = 0x42;
    const byte = Buffer.alloc(1);
    readSync(b, byte, 0, 1, 0);
    expect(byte[0]).toBe(0x42);
    readSync(a, byte, 0, 1, 0);
    expect(byte[0]).toBe(0);
  });

  it('rejects unaligned gpa, size or offset', () => {
    const ram = memfd('unaligned', MiB);
    const mapper = new SysmemMapper();
    rejects(mapper, [entry(ram, 0x800, 0x1000, 0)], /page-aligned/);
    rejects(mapper, [entry(ram, 0, 0x1800, 0)], /page-aligned/);
    rejects(mapper, [entry(ram, 0, 0x1000, 0x10)], /page-aligned/);
  });

  it('rejects a zero size, a negative offset, and values beyond 2^53', () => {
    const ram = memfd('ranges', MiB);
    const mapper = new SysmemMapper();
    rejects(mapper, [entry(ram, 0, 0, 0)], /size is zero/);
    rejects(mapper, [{ ...entry(ram, 0, 0x1000, 0), offset: -4096n }], /out of range/);
    rejects(mapper, [{ ...entry(ram, 0, 0x1000, 0), gpa: 1n << 60n }], /out of range/);
    rejects(mapper, [{ ...entry(ram, 0, 0x1000, 0), gpa: (1n << 53n) - 4096n, size: 8192n }], /2\^53/);
  });

  it('rejects overlapping regions, in any order, closing every descriptor', () => {
    const ram = memfd('overlap', 4 * MiB);
    const mapper = new SysmemMapper();
    rejects(mapper, [entry(ram, 0, 2 * MiB, 0), entry(ram, MiB, 2 * MiB, 2 * MiB)], /overlaps/);
    rejects(mapper, [entry(ram, 3 * MiB, MiB, 0), entry(ram, 0, 4 * MiB, 0)], /overlaps/);
    // Adjacent is fine.
    expect(mapper.apply([entry(ram, 0, MiB, 0), entry(ram, MiB, MiB, MiB)])).toHaveLength(2);
  });

  it('rejects a window beyond the end of the file, and a descriptor that is not a file', () => {
    const ram = memfd('small', MiB);
    const mapper = new SysmemMapper();
    rejects(mapper, [entry(ram, 0, 2 * MiB, 0)], /beyond the file/);
    rejects(mapper, [entry(ram, 0, 0x1000, MiB)], /beyond the file/);
    const [s1, s2] = socketpair();
    opened.push(s2);
    rejects(mapper, [{ gpa: 0n, size: 0x1000n, offset: 0n, fd: s1 }], /not a memory file/);
  });

  it('keeps the previous mappings when a new list is rejected', () => {
    const ram = memfd('kept', 2 * MiB);
    const mapper = new SysmemMapper();
    const good = mapper.apply([entry(ram, 0, MiB, 0)]);
    rejects(mapper, [entry(ram, 0, MiB, 0), entry(ram, 0x800, MiB, MiB)], /page-aligned/);
    expect(mapper.mappingCount).toBe(1);
    expect(mapper.apply([entry(ram, 0, MiB, 0)])[0]!.buffer).toBe(good[0]!.buffer);
  });
});
