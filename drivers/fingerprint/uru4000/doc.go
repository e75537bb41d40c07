// Package uru4000 drives the DigitalPersona U.are.U 4000, 4000B and 4500
// class of 500 dpi optical press readers and their Microsoft-branded
// relatives over USB, and provides an in-process simulator of them.
//
// # Use
//
// Finder lists the readers present by USB vendor and product ID without
// opening them (it plugs into fingerprint.Find and fingerprint.Watch for
// hotplug); OpenUSB opens one by the Info.Path the finder reported and
// returns a *Scanner, which implements fingerprint.Scanner. Open does the
// same on any Transport; NewSimulator returns a Transport that plays a
// device, so the whole protocol runs without hardware:
//
//	sim := uru4000.NewSimulator(uru4000.SimConfig{Model: uru4000.ModelURU4000B(), AutoFinger: true})
//	_ = sim.SetImage(print) // 384x290, dark ridges on light
//	s, err := uru4000.Open(ctx, sim, uru4000.ModelURU4000B(), "sim/1", uru4000.Options{})
//
// Images are 384 by 290 pixels at 500 ppi, 8-bit grey, dark ridges on a
// light background, upright: the driver inverts the sensor's light-on-dark
// data and turns the models that deliver it upside down.
//
// # Models
//
// Matched by USB ID (see Models):
//
//	05ba:000a  DigitalPersona U.are.U 4000B and 4500 (both enumerate so); scrambled frames
//	05ba:0007  DigitalPersona U.are.U 4000
//	05ba:0008  DigitalPersona U.are.U 4000 keyboard
//	045e:00bb  Microsoft Keyboard with Fingerprint Reader
//	045e:00bc  Microsoft Wireless IntelliMouse with Fingerprint Reader
//	045e:00bd  Microsoft Fingerprint Reader
//	045e:00ca  Microsoft Fingerprint Reader v2; challenge-response authentication
//
// All but the 4000B/4500 deliver the image rotated by 180 degrees.
//
// # Protocol
//
// The facts below come from public libfprint notes on this family; the code
// is written from them.
//
// The reader exposes a vendor-specific interface (class, subclass and
// protocol 255) with an interrupt IN endpoint 0x81 and a bulk IN endpoint
// 0x82. Registers are read and written with vendor control request 0x04
// (bmRequestType 0xc0 to read, 0x40 to write), wValue the first register,
// wIndex zero, wLength the count.
//
// Power: HWSTAT (0x07) bit 7 means low power. Opening reads HWSTAT; when
// bits 7 and 2 are both set the power logic is confused and is rebooted by
// writing back the low four bits and polling until bit 0 shows. A powered
// device is first sent to low power; then the low four bits are written
// until a read shows bit 7 clear, pausing 10 ms between attempts (100 at
// most). The device confirms with interrupt 0x56aa; when it does not come
// within 300 ms the whole sequence is repeated, three times at most. The
// 16 bytes at 0xf0 hold revision data.
//
// Authentication (Microsoft v2): the firmware ignores the power-up until
// the host has read the 16-byte challenge at 0x2010 and written its AES-128
// encryption under a fixed, published key to 0x2000. As the reference
// notes do, the driver answers between power-up attempts. The device gives
// no verdict; a power-up that never takes after answered challenges is
// reported as ErrAuthentication.
//
// Modes are written to 0x4e: 0x10 await finger on, 0x12 await finger off,
// 0x20 capture, 0x70 off (also 0x00 init, 0x30 capture aux, 0x80 ready).
// Interrupt packets are 64 bytes led by a big-endian code: 0x0101 finger
// on, 0x0200 finger off, 0x56aa scan power on, 0x0800 a warning that the
// next scan may fail.
//
// Frames: in capture mode the bulk endpoint sends a 64-byte header and the
// image lines, 384 bytes each. Header bytes 4-5 (little-endian) count the
// lines carried, byte 6 is the key number, bytes 16-45 hold up to 15 block
// descriptors (flags, line count; a count of zero ends the list). Flags:
// 0x80 change key, 0x04 no key update, 0x02 scrambled, 0x01 not present
// (the image repeats the lines that follow). There is no checksum; the
// driver checks the header against the frame length and the block list,
// rereads a malformed frame (three reads at most) and then fails with
// fingerprint.ErrProtocol.
//
// Scrambling: the host writes the key number and a random 32-bit seed to
// 0x33 and reads 0x34, four bytes of key XOR seed. The key drives a 32-bit
// LFSR stepped once per image byte; each scrambled byte is XORed with eight
// key bits and the data arrive one byte late, so the last byte of each
// scrambled block is lost and comes back as background. Blocks flagged
// change key use the next key number, fetched the same way; plain blocks
// advance the register, no-key-update blocks do not. Firmware of models
// that do not declare scrambling may still scramble; as in the reference
// notes the driver then judges by the noise of the first two lines of the
// first scrambled-flagged block.
//
// # Caveats
//
//   - Not present blocks that are also flagged scrambled, and plain
//     firmware flagging mid-image blocks as scrambled, are not documented
//     publicly; the driver advances the key over not-present blocks and
//     relies on the noise test. A frame announcing exactly 290 carried
//     lines is accepted although the reference notes treat it as malformed.
//   - The firmware upload and the firmware patch some Microsoft readers may
//     need are not done; devices needing it may not power up.
//   - Control transfers on libusb are bounded by the context's deadline
//     (5 s at most) but cannot be cancelled mid-flight.
//   - Capture returns once the image is read and the device is told to
//     await the lift; the next Capture first waits for the finger to go.
//
// # Simulator
//
// Simulator answers registers, power and mode changes, interrupts and
// frames as described above, scrambles frames with its own keys, checks
// challenge responses, and has hooks for faults: unplugging (also in the
// middle of a frame), corrupted frames, injected interrupt packets,
// unanswered registers, a slow or never powering sensor, missed scan-power
// interrupts and a confused power state. It assumes finger interrupts are
// level-triggered: entering an await mode with the finger already in the
// awaited state reports it at once.
package uru4000
