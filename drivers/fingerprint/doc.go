// Package fingerprint defines what the station expects of a fingerprint
// scanner, whatever its family: device information, a capture that reports
// its progress and honours its context, the errors callers branch on, and
// discovery with hotplug events.
//
// Each family lives in a subpackage that holds the real driver and its
// simulator: zfm for the serial optical modules (ZFM-20, R305, R307, R503,
// AS608) and uru4000 for the USB press readers of the DigitalPersona
// U.are.U 4000B/4500 class. Images are 8-bit grey, dark ridges on a light
// background, at the resolution the device reports.
package fingerprint
