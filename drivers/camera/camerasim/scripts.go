package camerasim

// Scripts, at a given frame rate.

// frames converts seconds to frames at fps (at least 1).
func frames(fps, seconds float64) int { return max(1, int(fps*seconds+0.5)) }

// EnrolmentScript is a subject's visit: nobody, approaching from the side
// and from afar, holding still, blinking, turning away and back, uneven
// and dim light, and holding still again; about 12 s.
func EnrolmentScript(fps float64) []Segment {
	far := Pose{X: 0.3, Y: 0.5, EyeDistance: 0.08, Gain: 1}
	turned := Good
	turned.Yaw = 0.6
	blink := Good
	blink.Blink = true
	uneven := Good
	uneven.Uneven = 0.8
	dim := Good
	dim.Gain = 0.25
	nudge := Good
	nudge.X, nudge.Y = 0.51, 0.455
	return []Segment{
		Hold(frames(fps, 1), Pose{Away: true}),
		Move(frames(fps, 1.5), far, Good),
		Move(frames(fps, 2), Good, nudge),
		Hold(frames(fps, 0.15), blink),
		Move(frames(fps, 1), nudge, Good),
		Move(frames(fps, 0.7), Good, turned),
		Move(frames(fps, 0.7), turned, Good),
		Hold(frames(fps, 1), uneven),
		Hold(frames(fps, 1), dim),
		Move(frames(fps, 2), Good, nudge),
		Hold(frames(fps, 0.5), Pose{Away: true}),
	}
}

// StillScript holds the good pose with a slow drift for seconds.
func StillScript(fps, seconds float64) []Segment {
	drift := Good
	drift.X, drift.Y = 0.51, 0.455
	return []Segment{Move(frames(fps, seconds), Good, drift)}
}

// DarkScript holds the good pose in a dim room (a tenth of the light).
func DarkScript(fps, seconds float64) []Segment {
	dark := Good
	dark.Gain = 0.1
	return []Segment{Hold(frames(fps, seconds), dark)}
}

// EmptyScript shows nobody.
func EmptyScript(fps, seconds float64) []Segment {
	return []Segment{Hold(frames(fps, seconds), Pose{Away: true})}
}
