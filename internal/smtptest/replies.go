package smtptest

import (
	"strings"

	"github.com/emersion/go-smtp"
)

// Reply is a refusal the server gives instead of accepting: a code and
// the text after it exactly as a real server writes it, enhanced status
// code included ("5.7.1 Service unavailable"). Lines of a multi-line reply
// are separated by "\n" and each should carry its own enhanced code, as
// Gmail's do; the server writes "550-…" for all but the last.
type Reply struct {
	Code int
	Text string
}

func (r Reply) smtpError() *smtp.SMTPError {
	return &smtp.SMTPError{Code: r.Code, EnhancedCode: smtp.NoEnhancedCode, Message: r.Text}
}

// RejectRcpt makes RCPT TO for addr answer r.
func (s *Server) RejectRcpt(addr string, r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejects[strings.ToLower(addr)] = r.smtpError()
}

// RejectEveryRcpt makes RCPT TO answer r for every recipient without a
// reply of its own: a provider that blocks the sender.
func (s *Server) RejectEveryRcpt(r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectAll = r.smtpError()
}

// RejectData makes the end of DATA answer r for a message to addr.
func (s *Server) RejectData(addr string, r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectData[strings.ToLower(addr)] = r.smtpError()
}

// RejectMail makes MAIL FROM answer r for every sender.
func (s *Server) RejectMail(r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectMail = r.smtpError()
}

// ClearRejects forgets every reply set by Reject, RejectRcpt,
// RejectEveryRcpt, RejectData and RejectMail.
func (s *Server) ClearRejects() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejects = map[string]*smtp.SMTPError{}
	s.rejectData = map[string]*smtp.SMTPError{}
	s.rejectAll, s.rejectMail = nil, nil
}
