package vchip

import "time"

// FaultKind is a misbehaviour the virtual chip can show.
type FaultKind int

// Fault kinds.
const (
	// FaultWrongMAC changes a byte of the answer's MAC (DO'8E'), or of the
	// data of an unprotected answer.
	FaultWrongMAC FaultKind = iota + 1
	// FaultTruncate drops the second half of the answer.
	FaultTruncate
	// FaultOversize puts 300 extra bytes before the answer.
	FaultOversize
	// FaultStatus answers Fault.Status (for example 6982 or 6A82) instead.
	FaultStatus
	// FaultDelay answers after Fault.Delay.
	FaultDelay
)

// Fault makes the chip misbehave on chosen commands.
type Fault struct {
	Kind FaultKind
	// INS selects the commands it applies to (0 means every command); a
	// protected command has the INS of its plain form.
	INS byte
	// After lets that many matching commands through first.
	After int
	// Times is how many matching commands get the fault (0: all of them).
	Times  int
	Status uint16
	Delay  time.Duration
}

// fault returns the fault that applies to apdu, counting the match.
func (c *Card) fault(apdu []byte) *Fault {
	if len(c.cfg.Faults) == 0 || len(apdu) < 4 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = make([]int, len(c.cfg.Faults))
	}
	for i := range c.cfg.Faults {
		f := &c.cfg.Faults[i]
		if f.INS != 0 && f.INS != apdu[1] {
			continue
		}
		c.seen[i]++
		n := c.seen[i] - f.After
		if n >= 1 && (f.Times == 0 || n <= f.Times) {
			return f
		}
	}
	return nil
}

// apply changes an answer as the fault says.
func (f *Fault) apply(out []byte) []byte {
	out = append([]byte(nil), out...)
	switch f.Kind {
	case FaultWrongMAC:
		if len(out) > 2 {
			out[len(out)-3] ^= 0x01
		}
	case FaultTruncate:
		out = out[:max(len(out)/2, 1)]
	case FaultOversize:
		junk := make([]byte, 300)
		for i := range junk {
			junk[i] = byte(i)
		}
		out = append(junk, out...)
	}
	return out
}
