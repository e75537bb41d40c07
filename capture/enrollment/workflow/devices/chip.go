package devices

import (
	"context"
	"fmt"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/passive"
	"github.com/capturestation/station/capture/emrtd/reader"
	"github.com/capturestation/station/capture/enrollment/workflow"
)

// Chip reads documents' chips for the workflow with capture/emrtd/reader.
type Chip struct {
	// Connect reaches the card on the reader (a PC/SC connection, or a
	// virtual chip) and returns the transport and a function that
	// disconnects it.
	Connect func(ctx context.Context) (emrtd.Transport, func() error, error)
	// Trust holds the CSCA certificates for passive authentication; without
	// it no chip is genuine.
	Trust *passive.TrustStore
	// ShortAPDUs is reader.Options.ShortAPDUs, for readers without extended
	// length support.
	ShortAPDUs bool
}

var _ workflow.ChipReader = Chip{}

// ReadChip implements workflow.ChipReader.
func (c Chip) ReadChip(ctx context.Context, access workflow.ChipAccess, progress func(step string)) (*workflow.ChipResult, error) {
	if c.Connect == nil {
		return nil, fmt.Errorf("%w: no chip reader", workflow.ErrNoDevice)
	}
	t, disconnect, err := c.Connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to the chip: %w", err)
	}
	if disconnect != nil {
		defer disconnect()
	}
	r, err := reader.Read(ctx, t, reader.Access{MRZ: access.MRZ, CAN: access.CAN}, reader.Options{Trust: c.Trust, ShortAPDUs: c.ShortAPDUs, Progress: progress})
	if err != nil {
		return nil, err
	}
	return Result(r), nil
}

// Result converts a reader.Result to what the workflow keeps.
func Result(r *reader.Result) *workflow.ChipResult {
	out := &workflow.ChipResult{Access: r.Access, Groups: r.Groups, SOD: r.SOD, Genuine: r.Genuine(), Passive: "not-checked"}
	if r.DG1 != nil && r.DG1.MRZ != nil {
		out.DocumentNumber = r.DG1.MRZ.DocumentNumber
	}
	if r.Passive != nil {
		out.Passive = string(passive.Failed)
		if r.Passive.Passed() {
			out.Passive = string(passive.Passed)
		}
		out.Problems = append(out.Problems, r.Passive.Problems...)
	}
	if r.CardSecurity != nil && !r.CardSecurity.Passed() {
		out.Problems = append(out.Problems, "EF.CardSecurity is not signed by a trusted document signer")
	}
	for name, ch := range map[string]reader.Check{"chip authentication": r.Chip, "active authentication": r.Active} {
		if ch.Verdict == reader.Failed {
			out.Problems = append(out.Problems, name+" failed: "+ch.Detail)
		}
	}
	out.Problems = append(out.Problems, r.Problems...)
	if len(r.Faces) > 0 {
		out.Portrait, out.PortraitFormat = r.Faces[0].Image, string(r.Faces[0].Format)
	}
	return out
}
