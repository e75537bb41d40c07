package zfm

import "strings"

// Model names a module model. The models share the packet protocol and
// differ in image size, LED control and product information.
type Model string

// Known models. ModelAuto asks the module (ReadProdInfo, which only the
// R503 and later modules answer) and falls back to the common 256×288
// sensor.
const (
	ModelAuto  Model = ""
	ModelZFM20 Model = "ZFM-20"
	ModelR305  Model = "R305"
	ModelR307  Model = "R307"
	ModelR503  Model = "R503"
	ModelAS608 Model = "AS608"
	// ModelGeneric is a module that did not say what it is; it is handled
	// like a ZFM-20.
	ModelGeneric Model = "ZFM-compatible"
)

// ledKind is how a model's LED is driven.
type ledKind int

const (
	ledNone  ledKind = iota // the LED lights by itself during GenImg
	ledAura                 // R503 ring: AuraLedConfig 0x35
	ledOnOff                // AS608 variants: 0x50 on, 0x51 off
)

// modelSpec is what the driver needs to know of a model.
type modelSpec struct {
	vendor        string
	width, height int
	ppi           int
	led           ledKind
	// prodInfo: the model answers ReadProdInfo (0x3C).
	prodInfo bool
	// handshake: the model answers HandShake (0x40).
	handshake bool
}

// spec returns the model's description; unknown models get the generic
// one.
func (m Model) spec() modelSpec {
	switch m {
	case ModelR305:
		return modelSpec{vendor: "Hangzhou Grow", width: 256, height: 288, ppi: 500}
	case ModelR307:
		return modelSpec{vendor: "Hangzhou Grow", width: 256, height: 288, ppi: 500, handshake: true}
	case ModelR503:
		return modelSpec{vendor: "Hangzhou Grow", width: 192, height: 192, ppi: 508, led: ledAura, prodInfo: true, handshake: true}
	case ModelAS608:
		return modelSpec{vendor: "Synochip", width: 256, height: 288, ppi: 500, led: ledOnOff, handshake: true}
	case ModelZFM20:
		return modelSpec{vendor: "ZhianTec", width: 256, height: 288, ppi: 500}
	}
	return modelSpec{vendor: "Synochip-compatible", width: 256, height: 288, ppi: 500}
}

// ImageSize returns the width and height in pixels of the model's
// uploaded image.
func (m Model) ImageSize() (width, height int) {
	s := m.spec()
	return s.width, s.height
}

// HasLED reports whether the host can switch the model's LED.
func (m Model) HasLED() bool { return m.spec().led != ledNone }

// modelFromProdInfo maps the module type string of ReadProdInfo to a
// Model.
func modelFromProdInfo(s string) Model {
	s = strings.TrimSpace(s)
	for _, m := range []Model{ModelR503, ModelR307, ModelR305, ModelAS608, ModelZFM20} {
		if strings.Contains(strings.ToUpper(s), strings.ToUpper(string(m))) {
			return m
		}
	}
	if s == "" {
		return ModelGeneric
	}
	return Model(s)
}
