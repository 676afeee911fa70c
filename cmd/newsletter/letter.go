package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/satina/newsletter/internal/config"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/sequences"
)

const letterUsage = `Usage:
  newsletter letter schedule FILE.md --at TIME
      Schedule the letter in FILE.md for every subscriber confirmed at TIME, and print its id.
      FILE.md starts with front matter, then the Markdown body:
          ---
          subject: A letter about rest
          preheader: A quiet word   # optional: the preview line a mail app shows after the subject
          archive: false            # optional: keep it off /letters and the feed (default true)
          skip_in_sequence: true    # optional: leave out subscribers still in a drip sequence
          ---
      TIME is RFC 3339 (2026-12-01T08:00:00+01:00), "2026-12-01 08:00" in AUTHOR_TZ, or now.
  newsletter letter preview FILE.md [--out DIR]
      Write DIR/letter.html and DIR/letter.txt (DIR: the current folder when not given): the
      mail exactly as a sample subscriber would get it. Needs no Redis.
`

// letterCommand runs `newsletter letter ...`.
func letterCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, letterUsage)
		return 2
	}
	ctx, stop := signalContext()
	defer stop()
	var err error
	switch args[0] {
	case "schedule":
		err = scheduleLetter(ctx, args[1:], stdout, stderr)
	case "preview":
		err = previewLetter(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, letterUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "newsletter letter: unknown command %q\n\n", args[0])
		err = errUsage
	}
	if err != nil {
		return fail(stderr, "letter "+args[0], letterUsage, err)
	}
	return 0
}

// scheduleLetter stores the letter through Service.ScheduleLetter, as
// POST /admin/api/letters does.
func scheduleLetter(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("letter schedule", stderr)
	at := fs.String("at", "", "send time")
	files, err := parseArgs(fs, args)
	if err != nil || len(files) != 1 || *at == "" {
		return errUsage
	}
	// Read everything that can be wrong before connecting.
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	d, err := readLetterFile(files[0])
	if err != nil {
		return err
	}
	now := time.Now()
	if d.SendAt, err = parseSendAt(*at, authorZone(cfg), now); err != nil {
		return err
	}
	if err := d.Validate(); err != nil {
		return err
	}
	dk, err := openDesk(ctx, "letter schedule", stderr)
	if err != nil {
		return err
	}
	defer dk.close()
	id, err := dk.svc.ScheduleLetter(ctx, d)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, id)
	fmt.Fprintf(stderr, "scheduled %q for %s (%s)\n", d.Subject,
		d.SendAt.In(authorZone(cfg)).Format("Mon 2 Jan 2006 15:04 MST"), d.SendAt.UTC().Format(time.RFC3339))
	return nil
}

// authorZone is AUTHOR_TZ (DEFAULT_TZ when unset), in which --at reads a
// local time.
func authorZone(cfg *config.Config) *time.Location {
	if cfg.AuthorTZ != nil {
		return cfg.AuthorTZ
	}
	return cfg.DefaultTZ
}

// parseSendAt reads --at: RFC 3339, a local date and time in loc, or now.
// A time already past (by more than a minute) is refused: "now" says that.
func parseSendAt(s string, loc *time.Location, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "now") {
		return now, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
			if t, err = time.ParseInLocation(layout, s, loc); err == nil {
				break
			}
		}
	}
	if err != nil {
		return time.Time{}, fmt.Errorf(`--at: %q is not a time: use RFC 3339 (2026-12-01T08:00:00+01:00), "2026-12-01 08:00" in AUTHOR_TZ (%s), or now`, s, loc)
	}
	if t.Before(now.Add(-time.Minute)) {
		return time.Time{}, fmt.Errorf("--at: %s is in the past; to send at once, use --at now", t.In(loc).Format("2006-01-02 15:04 MST"))
	}
	return t, nil
}

// readLetterFile reads and parses a letter file, naming the file and line
// of a problem.
func readLetterFile(path string) (newsletter.LetterDraft, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return newsletter.LetterDraft{}, err
	}
	d, err := service.ParseLetterFile(data)
	var fe *service.FileError
	if errors.As(err, &fe) {
		return d, fmt.Errorf("%s:%d: %s", path, max(fe.Line, 1), fe.Msg)
	}
	return d, err
}

// previewLetter writes the HTML and text parts of the letter as it goes to
// a sample subscriber, through the same Composer as the worker.
func previewLetter(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("letter preview", stderr)
	out := fs.String("out", ".", "folder for letter.html and letter.txt")
	files, err := parseArgs(fs, args)
	if err != nil || len(files) != 1 {
		return errUsage
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	d, err := readLetterFile(files[0])
	if err != nil {
		return err
	}
	if err := d.ValidateContent(); err != nil { // a preview has no send time
		return err
	}
	msg, err := composePreview(cfg, d)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	htmlPath, textPath := filepath.Join(*out, "letter.html"), filepath.Join(*out, "letter.txt")
	text := fmt.Sprintf("From: %s\nTo: %s <%s>\nSubject: %s\n\n%s", cfg.Mail.From, msg.ToName, msg.To, msg.Subject, msg.Text)
	if err := os.WriteFile(htmlPath, []byte(msg.HTML), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(textPath, []byte(text), 0o644); err != nil {
		return err
	}
	if cfg.PostalAddress == "" {
		fmt.Fprintln(stderr, "warning: POSTAL_ADDRESS is empty, so the footer has no postal address")
	}
	fmt.Fprintf(stdout, "subject: %s\nwrote %s\nwrote %s\n", msg.Subject, htmlPath, textPath)
	return nil
}

// composePreview renders d for a sample subscriber with the service's
// footer settings. Its links are signed with SECRET_KEY when set and with
// a throwaway key otherwise: they show the shape, and lead nowhere.
func composePreview(cfg *config.Config, d newsletter.LetterDraft) (*newsletter.Message, error) {
	secret := make([]byte, 32)
	if cfg.SecretKey == "" {
		rand.Read(secret)
	} else {
		var err error
		if secret, err = config.ParseSecretKey(cfg.SecretKey); err != nil {
			return nil, err
		}
	}
	clock := newsletter.SystemClock{}
	c := &compose.Composer{
		Links:         &compose.Links{BaseURL: cfg.BaseURL, Signer: token.NewSigner(secret), Clock: clock},
		PostalAddress: cfg.PostalAddress, CrisisLine: cfg.CrisisLine, SubjectPrefix: cfg.SubjectPrefix,
	}
	sample := sequences.SampleData()
	sub := &newsletter.Subscriber{ID: "preview", Email: sample.Email, Name: sample.Name, Status: newsletter.StatusConfirmed}
	return c.Letter(sub, &newsletter.Letter{ID: "preview", Subject: d.Subject, Markdown: d.Markdown, Preheader: d.Preheader, Unlisted: d.Unlisted})
}
