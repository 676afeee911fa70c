package worker

import (
	"context"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// slowState is the real store whose sending state takes delay to read,
// as on a busy Redis; started hears of each read.
type slowState struct {
	*redisstore.Store
	delay   time.Duration
	started chan struct{}
}

func (s *slowState) SendingState(ctx context.Context) (newsletter.Sending, error) {
	select {
	case s.started <- struct{}{}:
	default:
	}
	time.Sleep(s.delay)
	return s.Store.SendingState(ctx)
}

// Once the copy of the sending state is half its life old, one goroutine
// reads it again while the others go on with the copy; a copy gateTTL old
// makes everyone wait for a fresh read, so a pause still reaches every
// sender within gateTTL.
func TestSendingStateIsReadAheadWhileTheOthersSend(t *testing.T) {
	rdb, prefix := testkit.Redis(t)
	const delay = 300 * time.Millisecond
	st := &slowState{Store: redisstore.New(rdb, prefix), delay: delay, started: make(chan struct{}, 1)}
	w := &Worker{Store: st, Clock: newsletter.SystemClock{}}
	w.init()
	ctx := context.Background()
	if paused, _ := w.held(ctx); paused {
		t.Fatal("paused before anyone paused")
	}
	<-st.started // that first read's

	if _, err := st.PauseSending(ctx, newsletter.Sending{Paused: true, Reason: "test", Since: time.Now(), By: newsletter.PausedByAuthor}); err != nil {
		t.Fatal(err)
	}
	w.gate.mu.Lock()
	w.gate.read = time.Now().Add(-gateTTL * 6 / 10)
	w.gate.mu.Unlock()
	ahead := make(chan bool, 1)
	go func() { paused, _ := w.held(ctx); ahead <- paused }()
	<-st.started // the one reading ahead is in the store
	start := time.Now()
	paused, _ := w.held(ctx)
	if took := time.Since(start); took > delay/2 {
		t.Errorf("a sender waited %v for the read ahead", took)
	}
	if paused {
		t.Error("the others should go on with the copy while it is younger than gateTTL")
	}
	if !<-ahead {
		t.Error("the goroutine that read ahead did not see the pause")
	}
	if paused, _ := w.held(ctx); !paused {
		t.Error("the copy was not updated by the read ahead")
	}

	// A copy gateTTL old: everyone waits for the store.
	w.gate.mu.Lock()
	w.gate.read = time.Now().Add(-gateTTL)
	w.gate.mu.Unlock()
	start = time.Now()
	if paused, _ := w.held(ctx); !paused {
		t.Error("paused, and a fresh read says otherwise")
	}
	if took := time.Since(start); took < delay {
		t.Errorf("a copy gateTTL old was used without reading (%v)", took)
	}
}
