// Counters of a NIC's worker, reported through the control plane (DeviceHost.stats()).

/** Why a frame from the backend did not reach the guest. The NET_RX_* reasons are the core's
 *  answers (it counts them in its own statistics registers too). */
export interface NetRxDrops {
  /** Receiver disabled, link down or device in reset (NET_RX_DISABLED). */
  disabled: number;
  /** Address / multicast / VLAN filters (NET_RX_FILTERED). */
  filtered: number;
  /** No free receive descriptor: the guest's ring is full (NET_RX_NO_BUFFER). */
  noBuffer: number;
  /** Too long or too short for the receive configuration (NET_RX_BAD_LENGTH). */
  badLength: number;
  /** A receive buffer the core named is outside guest RAM. */
  fault: number;
  /** Longer than any Ethernet frame the backends carry (dropped before the core). */
  oversize: number;
}

export interface NetTxDrops {
  /** A transmit buffer outside guest RAM (completed with EFAULT). */
  fault: number;
  /** No peer (stream server without a client, or a peer that went away). */
  noPeer: number;
  /** The backend refused the frame (socket error). */
  error: number;
}

export interface NetStats {
  framesIn: number;
  bytesIn: number;
  framesOut: number;
  bytesOut: number;
  rxDrops: NetRxDrops;
  txDrops: NetTxDrops;
  /** net_transmit answered NET_TX_BUSY (the backend's queue was full). */
  txBusy: number;
  /** Current link state as the control plane set it. */
  linkUp: boolean;
  /** Backend peer connected (stream), always true for the others. */
  peerConnected: boolean;
}

export function emptyNetStats(): NetStats {
  return {
    framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0,
    rxDrops: { disabled: 0, filtered: 0, noBuffer: 0, badLength: 0, fault: 0, oversize: 0 },
    txDrops: { fault: 0, noPeer: 0, error: 0 },
    txBusy: 0, linkUp: true, peerConnected: false,
  };
}
