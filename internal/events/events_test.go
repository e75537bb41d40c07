package events

import "testing"

func TestHistoryAndResume(t *testing.T) {
	b := NewBus(4)
	for i := 0; i < 6; i++ {
		b.Publish(KindSync, "delivered", i)
	}
	tests := []struct {
		after    uint64
		wantIDs  []uint64
		complete bool
	}{
		{0, []uint64{3, 4, 5, 6}, false}, // 1 and 2 were forgotten
		{2, []uint64{3, 4, 5, 6}, true},
		{4, []uint64{5, 6}, true},
		{6, nil, true},
	}
	for _, tt := range tests {
		evs, complete := b.Since(tt.after)
		var ids []uint64
		for _, e := range evs {
			ids = append(ids, e.ID)
		}
		if complete != tt.complete || len(ids) != len(tt.wantIDs) {
			t.Errorf("Since(%d) = %v complete=%v, want %v complete=%v", tt.after, ids, complete, tt.wantIDs, tt.complete)
			continue
		}
		for i := range ids {
			if ids[i] != tt.wantIDs[i] {
				t.Errorf("Since(%d) = %v, want %v", tt.after, ids, tt.wantIDs)
			}
		}
	}
}

func TestSlowSubscriberLosesOldestNeverBlocks(t *testing.T) {
	b := NewBus(100)
	s := b.Subscribe(0, 3)
	defer s.Close()
	for i := 0; i < 10; i++ {
		b.Publish(KindCapture, "frame", i)
	}
	select {
	case <-s.Ready():
	default:
		t.Fatal("not notified")
	}
	evs, dropped := s.Take()
	if len(evs) != 3 || dropped != 7 || evs[0].ID != 8 || evs[2].ID != 10 {
		t.Fatalf("got %d events (first %d) dropped %d", len(evs), evs[0].ID, dropped)
	}
	s.Close()
	b.Publish(KindCapture, "frame", 11)
	if evs, _ := s.Take(); len(evs) != 0 {
		t.Fatal("closed subscription still receives")
	}
}

func TestSubscribeReplaysThenStreams(t *testing.T) {
	b := NewBus(10)
	b.Publish(KindHealth, "changed", nil)
	b.Publish(KindHealth, "changed", nil)
	s := b.Subscribe(1, 10)
	defer s.Close()
	b.Publish(KindSync, "retry", nil)
	evs, dropped := s.Take()
	if dropped != 0 || len(evs) != 2 || evs[0].ID != 2 || evs[1].ID != 3 {
		t.Fatalf("replay+live = %+v dropped %d", evs, dropped)
	}
}
