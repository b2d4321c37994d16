// Timer ids this core arms through timer_arm, and the units of the delay registers.

export const TIMER_ITR: u32 = 0; // minimum interval between interrupt assertions
export const TIMER_RDTR: u32 = 1; // receive packet delay
export const TIMER_RADV: u32 = 2; // receive absolute delay
export const TIMER_TIDV: u32 = 3; // transmit packet delay
export const TIMER_TADV: u32 = 4; // transmit absolute delay
export const TIMER_AUTONEG: u32 = 5; // PHY autonegotiation completes
export const TIMER_COUNT: u32 = 6;

/** ITR counts in 256 ns increments (SDM 13.4.18). */
export const ITR_UNIT_NS: i64 = 256;
/** RDTR, RADV, TIDV and TADV count in 1.024 us increments (SDM 13.4.30, 13.4.44). */
export const DELAY_UNIT_NS: i64 = 1024;
/** How long the PHY takes to bring the link up after a restart of autonegotiation. Real
 *  copper links take seconds; the guest only needs it to be asynchronous (it waits for LSC). */
export const AUTONEG_NS: i64 = 20_000_000;
