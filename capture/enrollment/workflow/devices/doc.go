// Package devices connects the enrollment workflow to the station's capture
// devices: the camera (face quality, auto-capture, ISO/IEC 19794-5 token
// images and liveness, with OpenCV through capture/face), the document
// camera (the MRZ read frame by frame with capture/mrz/ocr), and the eMRTD
// chip reader (ICAO 9303 part 11 reading and passive authentication through
// capture/emrtd/reader). Fingerprint scanners need no adapter: every
// drivers/fingerprint.Scanner is a workflow.FingerScanner.
//
// It is a separate package because it needs OpenCV (cgo): the workflow
// itself stays free of it, so that the UI and the CLI can use the workflow's
// types without linking OpenCV.
//
// Caveats: the face attempt reads frames until auto-capture fired and the
// liveness check has seen its frames, or until FacePolicy.MaxFrames; the
// liveness session gets the first frames that show a face, not a window
// around the captured frame. Sequential plays every frame of a source in
// order (simulators, tests: deterministic); Pumped takes the newest frame of
// a frame pump (real cameras: no latency builds up, frames may be skipped).
package devices
