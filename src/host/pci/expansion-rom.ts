// An expansion ROM the host serves for a function (PciIdentity.romImage): the size of its ROM
// BAR and what reads of the enabled window return (PCI Local Bus Spec 3.0, 6.2.5.2; PCI
// Firmware Spec 3.0, 5.1).

/** The ROM BAR's size for an image: a power of two of at least 2 KiB. */
export function romBarSize(imageBytes: number): number {
  let size = 2048;
  while (size < imageBytes) size *= 2;
  return size;
}

/** `size` bytes at `offset` of the ROM window, little-endian; past the image the window
 *  reads as 0xFF, as an unprogrammed EPROM does. */
export function readRomWindow(image: Uint8Array, offset: number, size: number): bigint {
  let value = 0n;
  for (let i = size - 1; i >= 0; i--) {
    const at = offset + i;
    value = (value << 8n) | BigInt(at < image.length ? image[at]! : 0xff);
  }
  return value;
}
