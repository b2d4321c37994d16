// Entry point of the PIIX3 IDE core (PCI 8086:7010): the exports the IDE worker calls
// (contract: src/workers/common/core-abi.ts). All state is created here at start-up;
// nothing allocates afterwards.

import { LOG_ERROR, RESET_AFTER_CRASH } from '../common/abi';
import { logHex } from '../common/core-log';
import { INIT_OK, IdeConfig, configBuffer, parseConfig } from './config';
import { Controller } from './controller';
import { shadowedRegister, shadowedRegisterCount } from './shadowed-registers';

const controller = new Controller();
const parsed = new IdeConfig();

/** Where the worker writes the config struct (a CONFIG_MAX-byte buffer). */
export function config_ptr(): usize {
  return configBuffer;
}

/** Applies the config (see assembly/ide/config.ts) and resets the device. Returns 0, or
 *  INIT_BAD_SIZE (1), INIT_BAD_MAGIC (2), INIT_BAD_MODE (3), INIT_BAD_DRIVE_COUNT (4),
 *  INIT_BAD_DRIVE (5); a refused config leaves the device as it was. */
export function init(config_len: u32): i32 {
  const result = parseConfig(config_len, parsed);
  if (result != INIT_OK) {
    logHex(LOG_ERROR, "ide: config refused, code", <u64>result);
    return result;
  }
  controller.configure(parsed);
  return INIT_OK;
}

/** PCI reset / power cycle; after a crash also fails whatever the lost core was doing. */
export function reset(kind: u32): void {
  controller.powerOnReset();
  if (kind == RESET_AFTER_CRASH) controller.reportLostCommands();
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

/** No timers are used: every delay a real drive has is zero here. */
export function timer_fired(timer_id: u32): void {}

/** Fault injection for supervisor tests: traps on purpose. */
export function debug_fault(): void {
  unreachable();
}

/** Registers the host may answer from the register shadow (shadowed-registers.ts). */
export function shadow_count(): u32 {
  return shadowedRegisterCount();
}

export function shadow_register(index: u32): u64 {
  return shadowedRegister(index, controller.native);
}
