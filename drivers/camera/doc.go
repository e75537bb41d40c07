// Package camera is the station's camera driver, on OpenCV (gocv).
//
// A Source delivers BGR frames: Open (Config) opens a device index ("0"),
// a V4L2 device ("/dev/video2"), a video file or a stream URL, asking for a
// resolution, a frame rate and Motion-JPEG; SceneSource plays a generated
// Scene (package camerasim has the simulated scenes and a pluggable
// simulated device). Source is the transport seam: everything above it is
// the same for a real and a simulated camera.
//
// A Pump (StartPump) reads a Source in its own goroutine and keeps only the
// newest frame in a one-frame mailbox, so a slow consumer always gets the
// latest frame and latency never builds up; frames replaced before anyone
// took them are counted as dropped. When a read fails (the camera was
// unplugged, the stream dropped) the pump closes the source and opens it
// again with doubling backoff, reporting connected / disconnected /
// reconnected through Options.OnEvent; Stats gives frames read, delivered
// and dropped, the measured frame rate, reconnections and the last error.
// The pump stops when its context is done or Close is called.
//
// Caveats: OpenCV's VideoCapture.Read cannot be interrupted, so stopping a
// pump waits for the read in progress (a frame period, or the V4L2
// driver's timeout on an unplugged camera). Whether a camera honours the
// requested mode depends on the camera; Mode reports what it delivers.
package camera
