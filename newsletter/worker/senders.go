package worker

import "github.com/satina/newsletter/newsletter"

// senders are the connections of one sending goroutine (or of Drain): one
// of Transport for steps and letters, and one of Transactional for the
// confirmation mail when the worker has that transport (else confirmations
// share the first). Each is opened on the first mail that needs it, so a
// goroutine that only sends letters never holds a transactional
// connection.
type senders struct {
	w                   *Worker
	bulk, transactional newsletter.Sender
}

// forKind is the sender for a mail of kind: Transactional's for a
// confirmation when the worker has it, else Transport's.
func (s *senders) forKind(kind newsletter.JobKind) newsletter.Sender {
	if kind == newsletter.JobConfirm && s.w.Transactional != nil {
		if s.transactional == nil {
			s.transactional = s.w.Transactional.NewSender()
		}
		return s.transactional
	}
	if s.bulk == nil {
		s.bulk = s.w.Transport.NewSender()
	}
	return s.bulk
}

// close closes the senders that were opened.
func (s *senders) close() {
	for _, sender := range []newsletter.Sender{s.bulk, s.transactional} {
		if sender != nil {
			_ = sender.Close() // every message was accepted or not; a failing QUIT changes nothing
		}
	}
}
