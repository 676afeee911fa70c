package web_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter/service"
)

// TestStatsAfterASmallFlow: three signups, two confirm and get step 1, a
// letter goes to both, one downloads the guide, and the other leaves two
// days later. GET /admin/api/stats counts exactly that, and names nobody.
func TestStatsAfterASmallFlow(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	ctx := context.Background()
	ids := map[string]string{}
	for _, name := range []string{"ada", "bo", "cy"} {
		email := name + "@example.org"
		if _, err := a.Service.Signup(ctx, service.SignupRequest{Email: email, Name: name, Source: "api"}); err != nil {
			t.Fatal(err)
		}
		ids[name] = a.Subscriber(t, email).ID
	}
	a.Drain(t)
	for _, name := range []string{"ada", "bo"} {
		if _, _, err := a.Service.Confirm(ctx, ids[name]); err != nil {
			t.Fatal(err)
		}
	}
	a.Drain(t) // step 1 to ada and bo
	status(t, api(t, a, "POST", "/admin/api/letters", "application/json",
		fmt.Sprintf(`{"subject":"A letter","markdown":"Hello.","send_at":%q}`, a.Fake.Now().Format(time.RFC3339))), http.StatusCreated)
	a.Drain(t) // the fan-out
	a.Drain(t) // the letter's sends

	status(t, must(a.Client.Get(a.Links.Download(ids["ada"]))), http.StatusOK)
	a.Fake.Advance(2 * 24 * time.Hour)
	status(t, must(a.Client.Post(a.Links.Unsubscribe(ids["bo"]), "application/x-www-form-urlencoded", nil)), http.StatusOK)
	// Unsubscribes are tallied once they are StatsLag old.
	a.Fake.Advance(service.StatsLag)

	body := status(t, api(t, a, "GET", "/admin/api/stats", "", ""), http.StatusOK)
	got := decode[service.Stats](t, body)
	want := map[string]int{"pending": 1, "confirmed": 1, "unsubscribed": 1}
	for st, n := range got.Subscribers {
		if n != want[string(st)] {
			t.Errorf("subscribers %s: %d, want %d", st, n, want[string(st)])
		}
	}
	if len(got.Subscribers) < 3 {
		t.Errorf("subscribers = %v; want a count for every status", got.Subscribers)
	}
	if got.Signups != 3 || got.Confirmed != 1 || got.Downloads != 1 || got.Unsubscribed != 1 {
		t.Errorf("signups %d confirmed %d downloads %d unsubscribed %d; want 3, 1 (bo left), 1, 1",
			got.Signups, got.Confirmed, got.Downloads, got.Unsubscribed)
	}
	if len(got.Steps) != 8 {
		t.Fatalf("%d steps, want the guide's 8: %+v", len(got.Steps), got.Steps)
	}
	if s := got.Steps[0]; s != (service.StepStats{Sequence: "guide", Step: "01-guide.md", Sent: 2, UnsubscribedAfter: 1}) {
		t.Errorf("step 1: %+v, want sent 2, unsubscribed after 1", s)
	}
	for _, s := range got.Steps[1:] {
		if s.Sent != 0 || s.UnsubscribedAfter != 0 {
			t.Errorf("%s: %+v, want nothing yet", s.Step, s)
		}
	}
	if len(got.Letters) != 1 || got.Letters[0].Sent != 2 || got.Letters[0].UnsubscribedAfter != 1 || got.Letters[0].ID == "" {
		t.Errorf("letters = %+v, want one sent to 2 with 1 unsubscribed after", got.Letters)
	}
	// Counts only: no address, name or subscriber id anywhere.
	for name, id := range ids {
		for _, leak := range []string{name + "@", id} {
			if strings.Contains(body, leak) {
				t.Errorf("the stats name a person: %q in %s", leak, body)
			}
		}
	}
	// The shape is the contract's, key for key.
	raw := decode[map[string]any](t, body)
	if keys, want := sortedKeys(raw), []string{"confirmed", "downloads", "funnel", "letters", "signups", "steps", "subscribers", "unsubscribed"}; !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	step := raw["steps"].([]any)[0].(map[string]any)
	if !slices.Equal(sortedKeys(step), []string{"sent", "sequence", "step", "unsubscribed_after"}) {
		t.Errorf("a step has %v", sortedKeys(step))
	}

	// Asking again counts nothing twice.
	again := decode[service.Stats](t, status(t, api(t, a, "GET", "/admin/api/stats", "", ""), http.StatusOK))
	if again.Steps[0] != got.Steps[0] || again.Letters[0] != got.Letters[0] {
		t.Errorf("a second read changed the counts: %+v %+v", again.Steps[0], again.Letters)
	}
}

func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}
