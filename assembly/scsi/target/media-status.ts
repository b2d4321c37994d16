// How a backend's answer to a medium access becomes SCSI sense (the status block_submit's
// completion carries: 0 or a negative errno, see assembly/common/abi.ts).

import { STATUS_EFAULT, STATUS_EINVAL, STATUS_EIO, STATUS_ENODEV, STATUS_EROFS, STATUS_OK } from '../../common/abi';
import {
  ABORTED_INITIATOR_DETECTED_ERROR, ABORTED_INTERNAL_FAILURE, HARDWARE_INTERNAL_FAILURE, LBA_OUT_OF_RANGE,
  NO_SENSE, UNRECOVERED_READ_ERROR, WRITE_PROTECTED,
} from './sense-data';

/** The sense condition for backend status `status` (NO_SENSE for success).
 *  - EIO: the image could not be read or written: MEDIUM ERROR / UNRECOVERED READ ERROR,
 *    which Linux fails at once instead of retrying.
 *  - EFAULT: an SG range named memory outside guest RAM. On real hardware the host
 *    adapter's DMA would have hit a master abort in the middle of the data phase, and the
 *    initiator tells the target with INITIATOR DETECTED ERROR; a target answers that with
 *    ABORTED COMMAND / INITIATOR DETECTED ERROR MESSAGE RECEIVED (48h/00h). ABORTED
 *    COMMAND says the medium is fine and a retry may succeed; Linux retries it a bounded
 *    number of times, then fails the request.
 *  - EINVAL: the backend found the range past the end of the image: LBA OUT OF RANGE.
 *  - EROFS: the image is read-only underneath: DATA PROTECT / WRITE PROTECTED.
 *  - ENODEV: the worker restarted and lost the request: ABORTED COMMAND / INTERNAL TARGET
 *    FAILURE, so that the initiator retries on the restarted device.
 *  - anything else: HARDWARE ERROR / INTERNAL TARGET FAILURE. */
export function mediaStatusCondition(status: i32): u32 {
  switch (status) {
    case STATUS_OK: return NO_SENSE;
    case STATUS_EIO: return UNRECOVERED_READ_ERROR;
    case STATUS_EFAULT: return ABORTED_INITIATOR_DETECTED_ERROR;
    case STATUS_EINVAL: return LBA_OUT_OF_RANGE;
    case STATUS_EROFS: return WRITE_PROTECTED;
    case STATUS_ENODEV: return ABORTED_INTERNAL_FAILURE;
    default: return HARDWARE_INTERNAL_FAILURE;
  }
}
