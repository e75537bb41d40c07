package pcsc

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/ebfe/scard"
)

// pnpReader is pcsc-lite's pseudo-reader whose state changes when readers
// are added or removed.
const pnpReader = `\\?PnP?\Notification`

// EventKind is what happened at a reader.
type EventKind int

// Event kinds.
const (
	ReaderAdded EventKind = iota + 1
	ReaderRemoved
	CardInserted
	CardRemoved
)

// String names the event kind.
func (k EventKind) String() string {
	switch k {
	case ReaderAdded:
		return "reader-added"
	case ReaderRemoved:
		return "reader-removed"
	case CardInserted:
		return "card-inserted"
	case CardRemoved:
		return "card-removed"
	}
	return "unknown"
}

// Event is a change at a reader. ATR is set for CardInserted.
type Event struct {
	Kind   EventKind
	Reader string
	ATR    []byte
}

// Watch reports reader and card changes to fn until ctx ends. Readers and
// cards present when it starts are reported first. It uses its own PC/SC
// context, so it can block while the caller's context sends APDUs.
func Watch(ctx context.Context, fn func(Event)) error {
	sc, err := scard.EstablishContext()
	if err != nil {
		return mapErr(err)
	}
	defer sc.Release()
	stop := context.AfterFunc(ctx, func() { _ = sc.Cancel() })
	defer stop()

	var readers []string
	present := map[string]bool{}
	pnp := scard.ReaderState{Reader: pnpReader, CurrentState: scard.StateUnaware}
	for {
		list, err := sc.ListReaders()
		if err != nil && !errors.Is(err, scard.ErrNoReadersAvailable) {
			if ctx.Err() != nil {
				return nil
			}
			return mapErr(err)
		}
		for _, r := range list {
			if !slices.Contains(readers, r) {
				fn(Event{Kind: ReaderAdded, Reader: r})
			}
		}
		for _, r := range readers {
			if !slices.Contains(list, r) {
				if present[r] {
					fn(Event{Kind: CardRemoved, Reader: r})
					delete(present, r)
				}
				fn(Event{Kind: ReaderRemoved, Reader: r})
			}
		}
		readers = list
		states := make([]scard.ReaderState, 0, len(readers)+1)
		for _, r := range readers {
			cur := scard.StateUnaware
			if present[r] {
				cur = scard.StatePresent
			}
			states = append(states, scard.ReaderState{Reader: r, CurrentState: cur})
		}
		states = append(states, pnp)
		// First pass reports current card states; then wait for changes.
		for {
			err := sc.GetStatusChange(states, time.Minute)
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, scard.ErrTimeout) {
				continue
			}
			if err != nil && !errors.Is(err, scard.ErrUnknownReader) && !errors.Is(err, scard.ErrReaderUnavailable) {
				return mapErr(err)
			}
			readersChanged := err != nil
			for i := range states {
				st := &states[i]
				if st.Reader == pnpReader {
					if st.EventState&scard.StateChanged != 0 {
						readersChanged = true
					}
					st.CurrentState = st.EventState &^ scard.StateChanged
					pnp = *st
					continue
				}
				has := st.EventState&scard.StatePresent != 0
				if has != present[st.Reader] {
					if has {
						fn(Event{Kind: CardInserted, Reader: st.Reader, ATR: append([]byte(nil), st.Atr...)})
						present[st.Reader] = true
					} else {
						fn(Event{Kind: CardRemoved, Reader: st.Reader})
						delete(present, st.Reader)
					}
				}
				if st.EventState&(scard.StateUnavailable|scard.StateUnknown) != 0 {
					readersChanged = true
				}
				st.CurrentState = st.EventState &^ scard.StateChanged
			}
			if readersChanged {
				break
			}
		}
	}
}
