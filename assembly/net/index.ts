// Entry point of the e1000 (Intel 82540EM, PCI 8086:100E) core: the exports the network
// worker calls (contract: src/workers/common/core-abi.ts, NetCoreExports). All state is
// created here at start-up; nothing allocates afterwards.

import { LOG_ERROR, RESET_AFTER_CRASH } from '../common/abi';
import { logHex } from '../common/core-log';
import { INIT_OK, NetConfig, configBuffer, parseConfig } from './config';
import { E1000 } from './device';
import { shadowedRegister, shadowedRegisterCount, shadowedRegisterOffset } from './shadowed-registers';

const device = new E1000();
const parsed = new NetConfig();

/** Where the worker writes the config struct (a CONFIG_MAX-byte buffer). */
export function config_ptr(): usize {
  return configBuffer;
}

/** Applies the config (see assembly/net/config.ts) and resets the device. Returns 0, or
 *  INIT_BAD_SIZE (1), INIT_BAD_MAGIC (2), INIT_BAD_MAC (3), INIT_BAD_FLAGS (4); a refused
 *  config leaves the device as it was. */
export function init(config_len: u32): i32 {
  const result = parseConfig(config_len, parsed);
  if (result != INIT_OK) {
    logHex(LOG_ERROR, "e1000: config refused, code", <u64>result);
    return result;
  }
  device.configure(parsed.mac, parsed.linkUp);
  return INIT_OK;
}

/** PCI reset / power cycle. After a crash restart the driver is made to reset the adapter
 *  (E1000.crashRecovery explains how). */
export function reset(kind: u32): void {
  if (kind == RESET_AFTER_CRASH) device.crashRecovery();
  else device.powerOnReset();
}

export function io_read(space: u32, offset: u64, size: u32): u64 {
  return device.ioRead(space, offset, size);
}

export function io_write(space: u32, offset: u64, size: u32, value: u64): void {
  device.ioWrite(space, offset, size, value);
}

/** No device-specific configuration registers beyond the standard header. */
export function pci_config_read(offset: u32, size: u32): u32 {
  return 0;
}

export function pci_config_write(offset: u32, size: u32, value: u32): void {}

/** No block requests. */
export function complete(req_id: u32, status: i32): void {}

export function timer_fired(timer_id: u32): void {
  device.timerFired(timer_id);
}

/** Fault injection for supervisor tests: traps on purpose. */
export function debug_fault(): void {
  unreachable();
}

// ---- network

export function net_tx_complete(req_id: u32, status: i32): void {
  device.tx.complete(req_id, status);
}

export function net_tx_ready(): void {
  device.tx.ready();
}

export function net_rx_header_ptr(): usize {
  return device.rx.header;
}

export function net_rx_sg_ptr(): usize {
  return device.rx.sg.base;
}

export function net_rx_begin(len: u32): i32 {
  return device.rx.begin(len, device.mac.control, device.mac.vlanEther, device.mac.linkUp);
}

export function net_rx_end(len: u32, status: i32): void {
  device.rx.end(len, status);
}

export function net_set_link(up: u32): void {
  device.setCable(up != 0);
}

/** Registers the host may answer from the register shadow (shadowed-registers.ts). */
export function shadow_count(): u32 {
  return shadowedRegisterCount();
}

export function shadow_register(index: u32): u64 {
  return shadowedRegister(index);
}

/** A shadowed register's value without its read side effect (ICR is read-to-clear). */
export function shadow_peek(index: u32): u32 {
  const reg = shadowedRegisterOffset(index);
  return reg == 0xffff_ffff ? 0 : device.peekRegister(reg);
}
