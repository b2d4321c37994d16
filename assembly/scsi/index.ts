// Entry point of the LSI53C895A SCSI controller core: the exports the SCSI worker calls
// (contract: src/workers/common/core-abi.ts). All state is created here at start-up; nothing
// allocates afterwards except target construction at init.

import { LOG_ERROR } from '../common/abi';
import { logHex } from '../common/core-log';
import { INIT_BAD_TARGET, INIT_OK, ScsiConfig, configBuffer, parseConfig } from './config';
import { Controller } from './controller';
import { shadowedRegister, shadowedRegisterCount } from './chip/shadowed-registers';

const controller = new Controller();
const parsed = new ScsiConfig();

/** Where the worker writes the config struct (a CONFIG_MAX-byte buffer). */
export function config_ptr(): usize {
  return configBuffer;
}

/** Applies the config (see assembly/scsi/config.ts) and resets the device. Returns 0, or
 *  INIT_BAD_SIZE (1), INIT_BAD_MAGIC (2), INIT_BAD_SLOTS (3), INIT_BAD_TARGET (4),
 *  INIT_BAD_FLAGS (5), INIT_BAD_CHIP (6); a refused config leaves the device as it was. */
export function init(config_len: u32): i32 {
  const result = parseConfig(config_len, parsed);
  if (result != INIT_OK) {
    logHex(LOG_ERROR, "scsi: config refused, code", <u64>result);
    return result;
  }
  if (!controller.configure(parsed)) {
    logHex(LOG_ERROR, "scsi: a target refused its configuration, code", <u64>INIT_BAD_TARGET);
    return INIT_BAD_TARGET;
  }
  return INIT_OK;
}

/** PCI reset / power cycle; after a crash also a SCSI bus reset the driver is told about. */
export function reset(kind: u32): void {
  controller.reset(kind);
}

export function io_read(space: u32, offset: u64, size: u32): u64 {
  return controller.ioRead(space, offset, size);
}

export function io_write(space: u32, offset: u64, size: u32, value: u64): void {
  controller.ioWrite(space, offset, size, value);
}

export function pci_config_read(offset: u32, size: u32): u32 {
  return controller.configRead(offset, size);
}

export function pci_config_write(offset: u32, size: u32, value: u32): void {
  controller.configWrite(offset, size, value);
}

export function complete(req_id: u32, status: i32): void {
  controller.complete(req_id, status);
}

/** Timer 0 continues SCRIPTS after a yield; timer 1 is the general purpose timer. */
export function timer_fired(timer_id: u32): void {
  controller.timerFired(timer_id);
}

/** Fault injection for supervisor tests: traps on purpose. */
export function debug_fault(): void {
  unreachable();
}

/** Registers the host may answer from the register shadow (chip/shadowed-registers.ts). */
export function shadow_count(): u32 {
  return shadowedRegisterCount();
}

export function shadow_register(index: u32): u64 {
  return shadowedRegister(index);
}
