package redisstore

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// Drafts: a letter the author saved without a send time. Its hash is a
// letter's (letter:<id>, status "draft", no "at"), with "ed" the time it
// was last saved; it is indexed in
//
//	drafts  zset  draft ids by last save (ms)
//
// and not in "letters" (the index by send time that the late-letter guard
// and the stats read) nor in the queue: nothing ever sends a draft.
// UpdateLetter with a send time schedules it (the draft leaves "drafts"
// for "letters" and its fan-out is queued, in one transaction), and
// CancelLetter deletes it.

// createDraft stores l as draft id, saved at l.EditedAt (l.CreatedAt when
// zero).
func (s *Store) createDraft(ctx context.Context, id string, l *newsletter.Letter) error {
	edited := l.EditedAt
	if edited.IsZero() {
		edited = l.CreatedAt
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.letterKey(id), letterContent(l)...)
		p.HSet(ctx, s.letterKey(id), "st", string(newsletter.LetterDrafted), "c", ms(l.CreatedAt), "ed", ms(edited), "rc", "-1")
		p.ZAdd(ctx, s.key("drafts"), redis.Z{Score: float64(edited.UnixMilli()), Member: id})
		return nil
	})
	return wrap("create draft", err)
}

// saveDraft changes what the author wrote of draft l.ID, saved at
// l.EditedAt; ErrConflict when the letter is no longer a draft.
func (s *Store) saveDraft(ctx context.Context, l *newsletter.Letter) error {
	return s.whileIn(ctx, l.ID, []newsletter.LetterStatus{newsletter.LetterDrafted}, func(p redis.Pipeliner) {
		p.HSet(ctx, s.letterKey(l.ID), letterContent(l)...)
		p.HSet(ctx, s.letterKey(l.ID), "ed", ms(l.EditedAt))
		p.ZAdd(ctx, s.key("drafts"), redis.Z{Score: float64(l.EditedAt.UnixMilli()), Member: l.ID})
	})
}
