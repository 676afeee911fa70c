package doctor

import (
	"context"
	"fmt"
	"strings"
)

// dmarcFix tells how to publish a first DMARC record for domain.
func dmarcFix(domain string) string {
	return publishFix("Publish a DMARC record (use an address of yours that can take a daily report or two in rua=):",
		"_dmarc."+domain, "v=DMARC1; p=none; rua=mailto:dmarc-reports@"+domain) +
		"p=none only watches. Once the reports show your letters passing, change it to p=quarantine."
}

// isDMARC reports whether a TXT value is a DMARC record: it must begin
// with v=DMARC1 (RFC 7489 section 6.4).
func isDMARC(t string) bool {
	t = strings.TrimSpace(t)
	if !strings.HasPrefix(t, "v=DMARC1") {
		return false
	}
	rest := strings.TrimSpace(t[len("v=DMARC1"):])
	return rest == "" || rest[0] == ';'
}

// checkDMARC finds the DMARC policy that covers domain: at _dmarc.<domain>,
// or failing that at a parent domain (its sp= applies), as receivers do.
func checkDMARC(ctx context.Context, res *resolver, domain string) Result {
	r := Result{Check: CheckDMARC}
	org := orgDomain(domain)
	for d := domain; ; {
		name := "_dmarc." + d
		txts, err := res.txt(ctx, name)
		if err != nil {
			r.Level, r.Message, r.Fix = Warn, "cannot tell: "+err.Error(), "Run the doctor again later."
			return r
		}
		var recs, others []string
		for _, t := range txts {
			if isDMARC(t) {
				recs = append(recs, t)
			} else if strings.Contains(strings.ToUpper(t), "DMARC1") {
				others = append(others, t)
			}
		}
		switch {
		case len(recs) > 1:
			r.Level, r.Message = Fail, fmt.Sprintf("%d DMARC records at %s: receivers then ignore them all", len(recs), name)
			r.Fix = "Keep one and delete the others. The records found:\n  " + strings.Join(recs, "\n  ")
			return r
		case len(recs) == 0 && len(others) > 0:
			r.Level, r.Message = Fail, "the TXT record at "+name+" is not a valid DMARC record: it must begin with v=DMARC1;"
			r.Fix = "Correct it; it now reads:\n  " + others[0]
			return r
		case len(recs) == 1:
			return dmarcPolicy(r, recs[0], name, d != domain, domain)
		}
		if d == org || !strings.Contains(d, ".") {
			break
		}
		_, d, _ = strings.Cut(d, ".")
	}
	r.Level, r.Message = Fail, "no DMARC record at _dmarc."+domain+": Gmail and Yahoo require DMARC from bulk senders and refuse or junk their mail without it"
	r.Fix = dmarcFix(domain)
	return r
}

// dmarcPolicy judges one DMARC record found at name; inherited means it
// belongs to a parent domain, whose sp= (subdomain policy) applies.
func dmarcPolicy(r Result, rec, name string, inherited bool, domain string) Result {
	tags, _, err := parseTagList(rec)
	if err != nil {
		r.Level, r.Message, r.Fix = Fail, "the DMARC record at "+name+" is broken: "+err.Error(), "Correct it; it now reads:\n  "+rec
		return r
	}
	tag := "p"
	if sp, ok := tags["sp"]; inherited && ok && sp != "" {
		tag = "sp"
	}
	policy := strings.ToLower(tags[tag])
	where := "the DMARC record at " + name
	if inherited {
		where += " (which covers " + domain + ")"
	}
	switch policy {
	case "quarantine", "reject":
		r.Message = where + " has " + tag + "=" + policy
		if pct, ok := tags["pct"]; ok && pct != "100" {
			r.Message += " for " + pct + "% of mail"
		}
		if _, ok := tags["rua"]; !ok {
			r.Message += " (no rua=, so you get no reports)"
		}
	case "none":
		r.Level, r.Message = Warn, where+" has "+tag+"=none: fine to start, but it asks receivers to do nothing about forged mail in your name"
		r.Fix = "Once the reports (rua=) show your letters passing SPF or DKIM, change " + tag + "=none to " + tag + "=quarantine. The record now reads:\n  " + rec
	default:
		r.Level, r.Message = Fail, where+" has no valid p= (none, quarantine or reject), so receivers ignore it"
		r.Fix = "Correct it; it now reads:\n  " + rec + "\n" + dmarcFix(domain)
	}
	return r
}
