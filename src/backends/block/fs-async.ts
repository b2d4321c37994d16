// Promise forms of the positional fd calls the backend makes on libuv's thread pool. Node's
// FileHandle API would do too, but the backend works with raw fds (they are shared with piscina
// threads), and the callback API avoids a FileHandle per image.

import fs from 'node:fs';

export function preadvAsync(fd: number, buffers: Uint8Array[], position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.readv(fd, buffers, position, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead)));
  });
}

export function pwritevAsync(fd: number, buffers: Uint8Array[], position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.writev(fd, buffers, position, (error, bytesWritten) => (error ? reject(error) : resolve(bytesWritten)));
  });
}

export function preadAsync(fd: number, buffer: Uint8Array, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buffer, 0, buffer.byteLength, position, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead)));
  });
}

export function pwriteAsync(fd: number, buffer: Uint8Array, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.write(fd, buffer, 0, buffer.byteLength, position, (error, bytesWritten) => (error ? reject(error) : resolve(bytesWritten)));
  });
}

export function fdatasyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.fdatasync(fd, (error) => (error ? reject(error) : resolve()));
  });
}

export function closeAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.close(fd, (error) => (error ? reject(error) : resolve()));
  });
}
