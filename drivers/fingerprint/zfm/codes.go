package zfm

import (
	"errors"
	"fmt"

	"github.com/capturestation/station/drivers/fingerprint"
)

// Confirmation codes: the first content byte of every acknowledgement.
// The names follow the module manuals; Message gives the text.
const (
	CodeOK                byte = 0x00
	CodePacketReceive     byte = 0x01
	CodeNoFinger          byte = 0x02
	CodeImageFail         byte = 0x03
	CodeImageMessy        byte = 0x06
	CodeFeatureFail       byte = 0x07
	CodeNoMatch           byte = 0x08
	CodeNotFound          byte = 0x09
	CodeEnrollMismatch    byte = 0x0A
	CodeBadLocation       byte = 0x0B
	CodeTemplateRead      byte = 0x0C
	CodeTemplateUpload    byte = 0x0D
	CodeDataReceive       byte = 0x0E
	CodeImageUpload       byte = 0x0F
	CodeDelete            byte = 0x10
	CodeClearLibrary      byte = 0x11
	CodeWrongPassword     byte = 0x13
	CodeNoValidImage      byte = 0x15
	CodeFlashWrite        byte = 0x18
	CodeUndefined         byte = 0x19
	CodeInvalidRegister   byte = 0x1A
	CodeBadRegisterConfig byte = 0x1B
	CodeBadNotepadPage    byte = 0x1C
	CodePortOperation     byte = 0x1D
	CodeLibraryFull       byte = 0x1F
	CodeBadAddress        byte = 0x20
	CodePasswordRequired  byte = 0x21
	CodeTemplateEmpty     byte = 0x22
	CodeLibraryEmpty      byte = 0x24
	CodeModuleTimeout     byte = 0x26
	CodeAlreadyEnrolled   byte = 0x27
	CodeSensorHardware    byte = 0x29
	CodeUnsupported       byte = 0xFC
	CodeHardware          byte = 0xFD
	CodeExecutionFailed   byte = 0xFE
)

// codeInfo is what the package says about one confirmation code: what it
// means and what to do about it.
type codeInfo struct {
	msg, hint string
}

// lookupCode returns what the package says about a documented
// confirmation code.
func lookupCode(code byte) (codeInfo, bool) {
	switch code {
	case CodeOK:
		return codeInfo{"success", ""}, true
	case CodePacketReceive:
		return codeInfo{"the module could not receive the command packet", "check the wiring, the baud rate and the ground connection"}, true
	case CodeNoFinger:
		return codeInfo{"no finger on the sensor", "place a finger on the sensor"}, true
	case CodeImageFail:
		return codeInfo{"the module failed to take the finger image", "clean the sensor window and place the finger again"}, true
	case CodeImageMessy:
		return codeInfo{"the finger image is too disorderly to extract features", "clean the sensor and the finger and try again"}, true
	case CodeFeatureFail:
		return codeInfo{"too few feature points or too small a finger image", "press the finger flat over the whole window"}, true
	case CodeNoMatch:
		return codeInfo{"the finger does not match the template", ""}, true
	case CodeNotFound:
		return codeInfo{"no matching finger in the library", ""}, true
	case CodeEnrollMismatch:
		return codeInfo{"the feature files could not be combined into a template", "enroll the finger again"}, true
	case CodeBadLocation:
		return codeInfo{"the template number is beyond the finger library", "use a template number inside the library size"}, true
	case CodeTemplateRead:
		return codeInfo{"reading the template from the library failed or the template is invalid", ""}, true
	case CodeTemplateUpload:
		return codeInfo{"uploading the template failed", "check the wiring and retry"}, true
	case CodeDataReceive:
		return codeInfo{"the module cannot receive the following data packets", "check the wiring and the packet size, then retry"}, true
	case CodeImageUpload:
		return codeInfo{"uploading the image failed", "check the wiring and retry"}, true
	case CodeDelete:
		return codeInfo{"deleting the template failed", ""}, true
	case CodeClearLibrary:
		return codeInfo{"clearing the finger library failed", ""}, true
	case CodeWrongPassword:
		return codeInfo{"wrong password", "configure the module's handshake password"}, true
	case CodeNoValidImage:
		return codeInfo{"no valid image in the image buffer", "take an image (GenImg) before uploading it"}, true
	case CodeFlashWrite:
		return codeInfo{"writing the module's flash failed", "power-cycle the module and retry"}, true
	case CodeUndefined:
		return codeInfo{"undefined error", "power-cycle the module"}, true
	case CodeInvalidRegister:
		return codeInfo{"invalid register number", "use parameter 4 (baud), 5 (security) or 6 (packet size)"}, true
	case CodeBadRegisterConfig:
		return codeInfo{"invalid register configuration", "use a value the parameter allows"}, true
	case CodeBadNotepadPage:
		return codeInfo{"wrong notepad page number", "use a page from 0 to 15"}, true
	case CodePortOperation:
		return codeInfo{"the module failed to operate its communication port", "power-cycle the module"}, true
	case CodeLibraryFull:
		return codeInfo{"the finger library is full", "delete templates first"}, true
	case CodeBadAddress:
		return codeInfo{"wrong module address", "configure the module's address"}, true
	case CodePasswordRequired:
		return codeInfo{"the password must be verified first", "configure the module's handshake password"}, true
	case CodeTemplateEmpty:
		return codeInfo{"the fingerprint template is empty", ""}, true
	case CodeLibraryEmpty:
		return codeInfo{"the finger library is empty", ""}, true
	case CodeModuleTimeout:
		return codeInfo{"the module timed out", "retry"}, true
	case CodeAlreadyEnrolled:
		return codeInfo{"the fingerprint is already enrolled", ""}, true
	case CodeSensorHardware:
		return codeInfo{"sensor hardware error", "check or replace the module"}, true
	case CodeUnsupported:
		return codeInfo{"the module does not support the command", "check the configured model"}, true
	case CodeHardware:
		return codeInfo{"module hardware error", "check or replace the module"}, true
	case CodeExecutionFailed:
		return codeInfo{"the module failed to execute the command", "retry"}, true
	}
	return codeInfo{}, false
}

// Codes returns every confirmation code the package knows, in ascending
// order.
func Codes() []byte {
	var out []byte
	for c := 0; c < 256; c++ {
		if _, ok := lookupCode(byte(c)); ok {
			out = append(out, byte(c))
		}
	}
	return out
}

// Message returns what a confirmation code means.
func Message(code byte) string {
	if in, ok := lookupCode(code); ok {
		return in.msg
	}
	return fmt.Sprintf("undocumented confirmation code 0x%02X", code)
}

// Errors of this package that callers may branch on, beside the
// fingerprint sentinels.
var (
	// ErrWrongPassword: the module rejected the handshake password, or
	// wants it verified first.
	ErrWrongPassword = errors.New("fingerprint module rejected the password")
	// ErrUnsupported: the configured model has no such command.
	ErrUnsupported = errors.New("fingerprint module does not support the command")
	// ErrClosed: the scanner was closed.
	ErrClosed = errors.New("fingerprint scanner closed")
)

// ModuleError is a non-zero confirmation code the module answered.
// It matches fingerprint.ErrProtocol for transfer failures (0x01, 0x0E,
// 0x0F, 0x1D), fingerprint.ErrTimeout for 0x26, ErrWrongPassword for 0x13
// and 0x21 and ErrUnsupported for 0xFC.
type ModuleError struct {
	// Op is what the driver asked, e.g. "verify password".
	Op string
	// Where names the port, e.g. "/dev/ttyUSB0 at 57600 baud".
	Where string
	Code  byte
}

func (e *ModuleError) Error() string {
	s := fmt.Sprintf("%s: the module on %s answered 0x%02X: %s", e.Op, e.Where, e.Code, Message(e.Code))
	if in, ok := lookupCode(e.Code); ok && in.hint != "" {
		s += ": " + in.hint
	}
	return s
}

// Is matches the sentinel errors that describe the code.
func (e *ModuleError) Is(target error) bool {
	switch target {
	case fingerprint.ErrProtocol:
		switch e.Code {
		case CodePacketReceive, CodeDataReceive, CodeImageUpload, CodePortOperation:
			return true
		}
	case fingerprint.ErrTimeout:
		return e.Code == CodeModuleTimeout
	case ErrWrongPassword:
		return e.Code == CodeWrongPassword || e.Code == CodePasswordRequired
	case ErrUnsupported:
		return e.Code == CodeUnsupported
	}
	return false
}
