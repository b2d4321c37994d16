// A stand-in for QEMU's x-pci-proxy-dev (spec/mpqemu.md) that drives a real `hvmio remote`
// child process: the remote gets one end of a socketpair as fd 3, this side speaks the
// protocol on the other end with the project's codec, guest RAM is a memfd this side can
// read and write, and replies are awaited with a deadline so that a remote that hangs fails
// the test instead of blocking it. Well-formed requests go through `request`; anything else
// (bad headers, stray descriptors, truncation) through `sendRaw`.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MessageReader } from '../../src/host/transports/mpqemu/message-reader.js';
import { encodeMessage, type BarSpace, type MpqemuMessage, type PciConfigWidth } from '../../src/host/transports/mpqemu/messages.js';
import { type Fd, mapShared, memfdCreate, pollIn, sendMsg, socketpair } from '../../src/native/addon.js';
import { packageRoot } from '../../src/host/worker-entry.js';
import { cfgOffset, type AccessSize } from '../../src/shared-mem/types.js';

export interface FakeProxyOptions {
  /** Raw image for the controller's primary master. */
  image: string;
  /** Guest RAM size (a memfd), default 1 MiB. */
  ramBytes?: number;
  /** Extra `hvmio remote` arguments. */
  extraArgs?: string[];
}

/** How the remote process ended. */
export interface RemoteExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** What came back for a request: a RET (value null = empty payload), or the end of the stream. */
export type Reply = { kind: 'ret'; value: bigint | null } | { kind: 'closed' };

const REPLY_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 30_000;

export class FakeProxy {
  /** This side's end of the protocol socket; -1 once closed. */
  private socket: Fd;
  private readonly reader: MessageReader;
  private stdout = '';
  private stderr = '';
  private readonly exit: Promise<RemoteExit>;
  private exited = false;
  /** Guest RAM: the memfd (kept open here, sent with every SYNC_SYSMEM) and a view of it. */
  readonly ramFd: Fd;
  readonly ram: Uint8Array;

  private constructor(
    readonly child: ChildProcess,
    socket: Fd,
    ramFd: Fd,
    ramBytes: number,
  ) {
    this.socket = socket;
    this.reader = new MessageReader(socket, 'remote');
    this.ramFd = ramFd;
    this.ram = new Uint8Array(mapShared(ramFd, ramBytes, 0));
    child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exit = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        this.exited = true;
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  /** Starts `hvmio remote --stats --fd 3 --device piix3-ide,id=d0,drive=IMAGE`. */
  static start(opts: FakeProxyOptions): FakeProxy {
    const [proxyEnd, remoteEnd] = socketpair();
    const ramBytes = opts.ramBytes ?? 1024 * 1024;
    const ramFd = memfdCreate('fake-proxy-ram', ramBytes);
    const hvmio = join(packageRoot(), 'bin', 'hvmio');
    const args = [hvmio, 'remote', '--stats', '--fd', '3', '--device', `piix3-ide,id=d0,drive=${opts.image.replaceAll(',', ',,')}`, ...(opts.extraArgs ?? [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe', remoteEnd] });
    closeSync(remoteEnd); // the child has its own copy as fd 3
    return new FakeProxy(child, proxyEnd, ramFd, ramBytes);
  }

  /** Sends one well-formed message (descriptors from the message itself). */
  send(message: MpqemuMessage): void {
    const { bytes, fds } = encodeMessage(message);
    sendMsg(this.socket, bytes, fds);
  }

  /** Sends arbitrary bytes, with `fds` attached to the first of them. */
  sendRaw(bytes: Uint8Array, fds: readonly Fd[] = []): void {
    sendMsg(this.socket, bytes, fds);
  }

  /** The next message from the remote, or 'closed' at end of stream; fails after a deadline. */
  async nextReply(timeoutMs = REPLY_TIMEOUT_MS): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    // Polled, not blocking: the event loop must keep collecting the child's output.
    while (pollIn([this.socket], 0).length === 0) {
      if (Date.now() > deadline) throw new Error(`no reply from the remote within ${timeoutMs} ms; stderr:\n${this.stderr}`);
      await sleep(2);
    }
    const message = this.reader.read();
    if (message === null) return { kind: 'closed' };
    if (message.kind !== 'ret') throw new Error(`the remote sent ${message.kind}`);
    return { kind: 'ret', value: message.value };
  }

  /** Sends a request and returns its RET value (null: empty RET); throws if the remote hung up. */
  async request(message: MpqemuMessage): Promise<bigint | null> {
    this.send(message);
    const reply = await this.nextReply();
    if (reply.kind === 'closed') throw new Error(`the remote closed the connection on ${message.kind}; stderr:\n${this.stderr}`);
    return reply.value;
  }

  async cfgRead(offset: number, width: PciConfigWidth): Promise<number> {
    return Number((await this.request({ kind: 'pci-cfgread', offset: cfgOffset(offset), width })) ?? 0n);
  }

  async cfgWrite(offset: number, width: PciConfigWidth, value: number): Promise<void> {
    await this.request({ kind: 'pci-cfgwrite', offset: cfgOffset(offset), width, value });
  }

  async barRead(addr: number, size: AccessSize, space: BarSpace = 'io'): Promise<bigint> {
    return (await this.request({ kind: 'bar-read', space, addr: BigInt(addr), size })) ?? 0n;
  }

  async barWrite(addr: number, size: AccessSize, value: number | bigint, space: BarSpace = 'io'): Promise<void> {
    await this.request({ kind: 'bar-write', space, addr: BigInt(addr), size, value: BigInt(value) });
  }

  /** SYNC_SYSMEM: all of the memfd as guest RAM at gpa 0 (no reply). */
  syncRam(): void {
    this.send({ kind: 'sync-sysmem', regions: [{ gpa: 0n, size: BigInt(this.ram.length), offset: 0n, fd: this.ramFd }] });
  }

  /** Closes this side of the socket: the remote sees a clean end of stream. */
  closeSocket(): void {
    if (this.socket < 0) return;
    closeSync(this.socket);
    this.socket = -1;
  }

  /** Waits for the remote to exit (closing nothing); fails after a deadline. */
  async waitExit(timeoutMs = EXIT_TIMEOUT_MS): Promise<RemoteExit> {
    const timer = sleep(timeoutMs).then(() => null);
    const result = await Promise.race([this.exit, timer]);
    if (result === null) throw new Error(`the remote did not exit within ${timeoutMs} ms; stderr:\n${this.stderr}`);
    return result;
  }

  /** stderr so far, split into lines. */
  stderrLines(): string[] {
    return this.stderr.split('\n').filter((l) => l !== '');
  }

  /** Kills the remote if it still runs (by its pid) and closes this side's descriptors. */
  dispose(): void {
    if (!this.exited && this.child.pid !== undefined) this.child.kill('SIGKILL');
    this.closeSocket();
    try {
      closeSync(this.ramFd);
    } catch {
      // closed already
    }
  }
}

/** The remote's `--stats` line ("hvmio remote: ID {json}"), which it prints on every orderly exit. */
export const STATS_LINE = /^hvmio remote: \S+ \{.*\}$/;
