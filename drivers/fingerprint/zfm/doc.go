// Package zfm drives the serial optical fingerprint modules that speak the
// Synochip / ZhianTec UART protocol: ZFM-20, R305, R307, R503, AS608 and
// their clones. It implements fingerprint.Scanner on a tty opened with
// github.com/tarm/serial, and fingerprint.Finder for serial ports.
//
// # Use
//
//	s, err := zfm.Open(ctx, "/dev/ttyUSB0", zfm.Options{})
//	if err != nil { ... }
//	defer s.Close()
//	img, err := s.Capture(ctx, func(st fingerprint.Stage) { log.Print(st) })
//
// Open verifies the password (VfyPwd), reads the system parameters
// (ReadSysPara), writes the data packet size when Options.PacketSize asks
// for another one (SetSysPara) and identifies the model: with ModelAuto it
// sends ReadProdInfo, which the R503 answers with its type, serial number
// and image size; modules that refuse it are handled as a ZFM-20
// ("ZFM-compatible"). Capture polls GenImg until the module reports a
// finger, uploads the image (UpImage), reassembles the data packets and
// returns an 8-bit image.
//
// # Protocol
//
// Every frame is: start code 0xEF01, the 4-byte module address (factory
// value 0xFFFFFFFF), a packet identifier (0x01 command, 0x02 data, 0x07
// acknowledgement, 0x08 last data packet), a 2-byte length counting the
// content and the checksum, the content, and a 2-byte checksum, the
// 16-bit sum of identifier, length bytes and content. Multi-byte fields are
// big-endian. An acknowledgement starts with a confirmation code; the
// package knows every documented code (Codes, Message) and reports
// non-zero ones as *ModuleError.
//
// The image is uploaded at 4 bits per pixel, two pixels per byte with the
// left pixel in the high nibble, row by row, in data packets of the
// configured size (32, 64, 128 or 256 bytes); the last one has identifier
// 0x08. A nibble v becomes the grey level v×17. ZFM-20, R305, R307 and
// AS608 send 256×288 pixels at about 500 ppi; the R503 192×192 at 508 ppi.
//
// Commands used: GenImg 0x01, UpImage 0x0A, SetSysPara 0x0E, ReadSysPara
// 0x0F, VfyPwd 0x13, AuraLedConfig 0x35 (R503 ring LED), ReadProdInfo 0x3C
// (R503), HandShake 0x40, and 0x50/0x51 (LED on/off on AS608 variants).
//
// # Behaviour
//
//   - Resynchronisation: bytes before a start code, start codes followed
//     by an unknown identifier or an impossible length, packets for other
//     addresses and stray data packets are skipped (Scanner.Skipped counts
//     them), so the 0x55 a module sends at power-up, line noise or the
//     tail of an abandoned upload do not break the next exchange. After an
//     abandoned exchange the driver drains the line before the next
//     command.
//   - Checksums are checked on every packet. A corrupted upload is retried
//     (Options.UploadAttempts, default 2: the image stays in the module's
//     buffer); when it stays corrupted the error matches
//     fingerprint.ErrProtocol.
//   - Timeouts: each answer and each data packet must arrive within
//     Options.ReplyTimeout, else fingerprint.ErrTimeout. A capture waits for
//     a finger until its context ends, or Options.FingerTimeout.
//   - Unplugging: a tty that hangs up (reads return at once without data,
//     the device node vanishes, writes fail) gives fingerprint.ErrUnplugged;
//     the Scanner stays unusable and must be reopened.
//   - One operation at a time: a second Capture (or any other call) during
//     one fails with fingerprint.ErrBusy.
//   - LED: on the R503 the ring breathes blue while waiting, turns green
//     when the image is taken and goes off at the end; AS608 variants get
//     LED on/off. Other models light their LED themselves during GenImg.
//
// # Transport
//
// The protocol code talks to a Port: an io.ReadWriter whose Read returns
// after a bounded time, 0 bytes meaning nothing arrived. OpenSerial makes
// one from a tty: raw 8N1 with VMIN=0 and VTIME from Options.Poll
// (100 ms by default, the resolution of VTIME), so a cancelled context is
// noticed within that time. New runs the driver on any Port.
//
// The simulator in package zfmsim serves the protocol on the master side
// of a pty pair; the tests open the slave path with Open exactly as a real
// /dev/ttyUSB0, so the termios calls of tarm/serial, raw mode and hangups
// are exercised.
//
// # Caveats
//
//   - Baud rates are 9600×N; only 9600, 19200, 38400, 57600 and 115200 have
//     a tty speed. At 57600 baud a 256×288 upload (36864 bytes plus
//     headers) takes about 7 s on a real module.
//   - SetSysPara changes of the baud rate take effect at once on some
//     firmware and after a power cycle on others (R503); reopen the scanner
//     at the new rate. The driver accepts data packets of any size up to 256
//     bytes, so a packet size that only applies after a power cycle does no
//     harm.
//   - A module whose address was set to 0 cannot be used: Options.Address 0
//     means the factory address.
//   - Modules that ignore unknown instructions instead of answering them
//     make ModelAuto wait one reply timeout at Open; set Options.Model for
//     them.
//   - The Finder lists ports without probing by default; with Probe it
//     writes to every matching port (see Finder).
package zfm
