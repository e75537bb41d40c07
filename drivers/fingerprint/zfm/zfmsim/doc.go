// Package zfmsim simulates a ZFM-20 / R305 / R307 / R503 / AS608
// fingerprint module on a pty pair, for tests and for running the station
// without hardware.
//
// Start opens a pty, serves the module protocol on its master side and
// returns the slave path (e.g. /dev/pts/3), which the driver opens with
// github.com/tarm/serial like any serial port:
//
//	sim, path, err := zfmsim.Start(ctx, zfmsim.Options{Model: zfm.ModelR503})
//	if err != nil { ... }
//	defer sim.Close()
//	sim.PlaceFinger(img) // any *image.Gray
//	fmt.Println("module on", path)
//
// The module parses command packets as a real one does: it skips bytes
// before a start code, ignores packets for another address, answers 0x01
// to a packet with a bad checksum, and ignores everything sent at a baud
// rate other than its own (it reads the speed the host set on the tty). It
// keeps its system parameters (address, password, packet size, baud rate,
// security level) and answers VfyPwd, SetPwd, ReadSysPara, SetSysPara,
// GenImg, UpImage and HandShake, plus the model's extras: AuraLedConfig
// and ReadProdInfo on the R503, LED on/off on the AS608. With a password
// set it answers 0x21 until VfyPwd succeeds. Instructions the model lacks
// get 0xFC on the R503 and 0x01 on the others.
//
// GenImg answers "no finger" until a finger is placed (PlaceFinger,
// PlaceFingerAfter); the image is scaled to cover the sensor (256×288, or
// 192×192 on the R503), cropped in the centre and quantised to 4 bits
// (Prepare). UpImage sends it in data packets of the configured size.
//
// Faults: CorruptDataPacket, GarbageBeforeReplies, SetSilent,
// SetReplyDelay, UnplugAfterDataPackets, Unplug, ForceCode (any
// confirmation code for an instruction).
//
// A pty does not pace bytes at the baud rate: transfers run as fast as
// the two processes exchange them.
package zfmsim
