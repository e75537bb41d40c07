// Package archtest holds tests that keep the layout's promises: the cgo
// device stacks (OpenCV, libusb, PC/SC) stay inside drivers/ and the capture
// packages that need them, so sync/, ui/ and internal/ build and test
// without any C library.
package archtest
