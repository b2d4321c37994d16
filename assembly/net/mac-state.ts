// MAC-wide state the register blocks share: CTRL bits that change how frames are handled
// (VME), the VLAN ethertype (VET), and whether the link is up (STATUS.LU).

export class MacState {
  control: u32 = 0;
  vlanEther: u32 = 0x8100;
  linkUp: bool = false;
}
