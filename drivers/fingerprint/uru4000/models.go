package uru4000

import "fmt"

// Model describes one supported product: its USB IDs and the firmware
// behaviours the driver must follow.
type Model struct {
	// VendorID and ProductID are the USB IDs the device enumerates with.
	VendorID, ProductID uint16
	// Vendor and Name are shown to the operator.
	Vendor, Name string
	// Authenticates: the firmware refuses to power the sensor up until the
	// host has answered its AES challenge.
	Authenticates bool
	// Scrambles: the firmware always scrambles image frames. Models
	// without it may still scramble (some firmware does); the driver then
	// recognises scrambled frames by their noise.
	Scrambles bool
	// Rotated: the raw image is upside down (rotated by 180 degrees).
	Rotated bool
}

// String returns "vendor name (vid:pid)".
func (m Model) String() string {
	return fmt.Sprintf("%s %s (%04x:%04x)", m.Vendor, m.Name, m.VendorID, m.ProductID)
}

// Supported USB vendor IDs.
const (
	VendorDigitalPersona uint16 = 0x05ba
	VendorMicrosoft      uint16 = 0x045e
)

// Models lists every supported product. The returned slice is a fresh copy.
func Models() []Model {
	return []Model{
		{VendorID: VendorMicrosoft, ProductID: 0x00bb, Vendor: "Microsoft", Name: "Keyboard with Fingerprint Reader", Rotated: true},
		{VendorID: VendorMicrosoft, ProductID: 0x00bc, Vendor: "Microsoft", Name: "Wireless IntelliMouse with Fingerprint Reader", Rotated: true},
		{VendorID: VendorMicrosoft, ProductID: 0x00bd, Vendor: "Microsoft", Name: "Fingerprint Reader", Rotated: true},
		{VendorID: VendorMicrosoft, ProductID: 0x00ca, Vendor: "Microsoft", Name: "Fingerprint Reader v2", Authenticates: true, Rotated: true},
		{VendorID: VendorDigitalPersona, ProductID: 0x0007, Vendor: "DigitalPersona", Name: "U.are.U 4000", Rotated: true},
		{VendorID: VendorDigitalPersona, ProductID: 0x0008, Vendor: "DigitalPersona", Name: "U.are.U 4000 (keyboard)", Rotated: true},
		{VendorID: VendorDigitalPersona, ProductID: 0x000a, Vendor: "DigitalPersona", Name: "U.are.U 4000B/4500", Scrambles: true},
	}
}

// LookupModel returns the model with the given USB IDs.
func LookupModel(vid, pid uint16) (Model, bool) {
	for _, m := range Models() {
		if m.VendorID == vid && m.ProductID == pid {
			return m, true
		}
	}
	return Model{}, false
}

// Convenience accessors for the most common models, used by tests and the
// simulator's callers.

// ModelURU4000B returns the DigitalPersona U.are.U 4000B/4500 (05ba:000a).
func ModelURU4000B() Model { m, _ := LookupModel(VendorDigitalPersona, 0x000a); return m }

// ModelURU4000 returns the DigitalPersona U.are.U 4000 (05ba:0007).
func ModelURU4000() Model { m, _ := LookupModel(VendorDigitalPersona, 0x0007); return m }

// ModelMSv2 returns the Microsoft Fingerprint Reader v2 (045e:00ca).
func ModelMSv2() Model { m, _ := LookupModel(VendorMicrosoft, 0x00ca); return m }
