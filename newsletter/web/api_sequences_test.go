package web_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/app"
	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/sequences"
)

// stepChange is the answer of PUT and DELETE …/steps/:name.
type stepChange struct {
	Sequence, Name, Subject, Markdown, After, Window, Days string
	Changed                                                bool
	ChangedAt                                              string `json:"changed_at"`
}

// untarGz reads a .tar.gz into file name -> content.
func untarGz(t *testing.T, b []byte) map[string]string {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the export is not gzip: %v", err)
	}
	tr := tar.NewReader(gz)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("the export is not a tar: %v", err)
		}
		data, _ := io.ReadAll(tr)
		if h.Typeflag == tar.TypeReg {
			out[h.Name] = string(data)
		}
	}
}

// exportGuide downloads the guide sequence's export.
func exportGuide(t *testing.T, a *apptest.App) map[string]string {
	t.Helper()
	res := api(t, a, "GET", "/admin/api/sequences/guide/export", "", "")
	if ct := res.Header.Get("Content-Type"); ct != "application/gzip" {
		t.Errorf("export Content-Type %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename="guide.tar.gz"` {
		t.Errorf("export Content-Disposition %q", cd)
	}
	return untarGz(t, []byte(status(t, res, http.StatusOK)))
}

const newStepBody = `{"subject":"Your guide is here, {{ .FirstName }}","markdown":"Dear Fellow Humans,\n\nThe rewritten welcome: [the guide]({{ .DownloadURL }}).\n\nSatina","after":"0s"}`

func TestChangeStepFromTheAPI(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	ctx := context.Background()

	// Bad input: 422 naming each field, 404 for what is not there.
	bad := decode[map[string]map[string]string](t, status(t, api(t, a, "PUT", "/admin/api/sequences/guide/steps/01-guide.md",
		"application/json", `{"subject":"","markdown":"Hi {{ .Nope }}","after":"3 days"}`), http.StatusUnprocessableEntity))
	for _, field := range []string{"subject", "markdown", "after"} {
		if bad["errors"][field] == "" {
			t.Errorf("422 without a message for %s: %v", field, bad)
		}
	}
	status(t, api(t, a, "PUT", "/admin/api/sequences/guide/steps/01-guide.md", "application/json", `{"subject":7}`), http.StatusUnprocessableEntity)
	status(t, api(t, a, "PUT", "/admin/api/sequences/guide/steps/01-guide.md", "text/plain", newStepBody), http.StatusUnsupportedMediaType)
	status(t, api(t, a, "PUT", "/admin/api/sequences/guide/steps/99-new.md", "application/json", newStepBody), http.StatusNotFound)
	status(t, api(t, a, "PUT", "/admin/api/sequences/nope/steps/01-guide.md", "application/json", newStepBody), http.StatusNotFound)
	status(t, api(t, a, "GET", "/admin/api/sequences/nope/export", "", ""), http.StatusNotFound)
	if _, ok := a.Service.Sequences.Override("guide", "01-guide.md"); ok {
		t.Fatal("a refused change was laid over the step")
	}

	got := decode[stepChange](t, status(t, api(t, a, "PUT", "/admin/api/sequences/guide/steps/01-guide.md", "application/json", newStepBody), http.StatusOK))
	if !got.Changed || got.Subject != "Your guide is here, {{ .FirstName }}" || got.After != "0s" || got.ChangedAt == "" || !strings.Contains(got.Markdown, "rewritten welcome") {
		t.Errorf("PUT answered %+v", got)
	}
	list := decode[struct {
		Sequences []struct {
			ID, State string
			Steps     []struct {
				Name    string
				Changed bool
			}
		}
	}](t, status(t, api(t, a, "GET", "/admin/api/sequences", "", ""), http.StatusOK))
	if s := list.Sequences[0]; s.State != "running" || !s.Steps[0].Changed || s.Steps[1].Changed {
		t.Errorf("the sequence list marks %+v; want step 1 changed, step 2 not", s)
	}

	// The next mail of the step is the new one.
	if _, err := a.Service.Signup(ctx, service.SignupRequest{Email: "ada@example.org", Name: "Ada Lovelace", Source: "api"}); err != nil {
		t.Fatal(err)
	}
	a.Drain(t)
	if _, _, err := a.Service.Confirm(ctx, a.Subscriber(t, "ada@example.org").ID); err != nil {
		t.Fatal(err)
	}
	a.Drain(t)
	mails := a.SMTP.To("ada@example.org")
	if len(mails) != 2 || mails[1].Subject() != "Your guide is here, Ada" {
		t.Fatalf("mails to ada: %d, last subject %q", len(mails), mails[len(mails)-1].Subject())
	}
	if text, _, _ := parts(t, mails[1]); !strings.Contains(text, "rewritten welcome") || !strings.Contains(text, a.URL+"/download/") {
		t.Errorf("the step's body is not the new one:\n%s", text)
	}

	// The desk marks it.
	d := signIn(t, a)
	mustHave(t, d.get("/admin/sequences", http.StatusOK), `<span class="badge changed"`)
	mustHave(t, d.get("/admin/sequences/guide/steps/01-guide.md", http.StatusOK), "changed from the desk")

	// The export holds the folder as it now stands.
	files := exportGuide(t, a)
	for _, name := range []string{"guide/sequence.md", "guide/guide.md", "guide/02-preparing.md", "guide/08-reaching-out.md"} {
		if files[name] == "" {
			t.Errorf("the export lacks %s", name)
		}
	}
	if f := files["guide/01-guide.md"]; !strings.Contains(f, "subject: Your guide is here, {{ .FirstName }}") || !strings.Contains(f, "after: 0s") ||
		!strings.HasSuffix(f, "---\nDear Fellow Humans,\n\nThe rewritten welcome: [the guide]({{ .DownloadURL }}).\n\nSatina") {
		t.Errorf("the exported step:\n%s", f)
	}

	// A new instance on the same Redis prefix starts with the change.
	fresh, err := sequences.Load(sequences.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	again, err := app.New(ctx, a.App.Config, app.Deps{Redis: a.Redis, Sequences: fresh, Clock: a.Clock, NoDoctor: true,
		Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if q, _ := again.Sequences.Get("guide"); q.Steps[0].Subject != "Your guide is here, {{ .FirstName }}" {
		t.Errorf("after a restart the step is %q", q.Steps[0].Subject)
	}

	// Back to the file.
	got = decode[stepChange](t, status(t, api(t, a, "DELETE", "/admin/api/sequences/guide/steps/01-guide.md", "", ""), http.StatusOK))
	if got.Changed || got.Subject != "Your preparation and integration guide" {
		t.Errorf("DELETE answered %+v", got)
	}
	status(t, api(t, a, "DELETE", "/admin/api/sequences/guide/steps/01-guide.md", "", ""), http.StatusNotFound)
	if f := exportGuide(t, a)["guide/01-guide.md"]; !strings.HasPrefix(f, "---\nsubject: Your preparation and integration guide\nafter: 0s\n---\n") {
		t.Errorf("after the revert the export holds:\n%.200s", f)
	}
	// The other instance follows the change within a few seconds (in
	// real time: the fake clock does not move).
	deadline := time.Now().Add(3 * service.FollowEvery)
	for {
		q, _ := again.Sequences.Get("guide")
		if q.Steps[0].Subject == "Your preparation and integration guide" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other instance still sends %q", q.Steps[0].Subject)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
