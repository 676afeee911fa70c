package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/token"
)

// badCase is one hostile request and what it must get.
type badCase struct {
	name string
	req  rawRequest
	want int // exact status; 0 means any 4xx
	// jsonBody: the answer is JSON with a non-empty "error" or "errors".
	jsonBody bool
	// field: a 422 JSON answer names this field in "errors".
	field string
	// contains: the body holds this text.
	contains string
	// check runs extra assertions on the answer.
	check func(t *testing.T, r rawResponse)
}

const bearer = "Authorization: Bearer admin-secret-for-the-tests"

// TestHostileRequests sends bad requests of every kind through the real
// listener. None may get a 5xx; each gets the status the contract fixes
// (or at least a 4xx) and a body that says what was wrong.
func TestHostileRequests(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	ctx := t.Context()
	if _, err := a.Service.Signup(ctx, service.SignupRequest{Email: "victim@example.org", Name: "Vic", Source: "api"}); err != nil {
		t.Fatal(err)
	}
	id := a.Subscriber(t, "victim@example.org").ID
	now := a.Clock.Now()
	sign := func(p token.Purpose, exp time.Time) string { return a.Links.Signer.Sign(p, id, exp) }
	tamper := func(tok string) string {
		b := []byte(tok)
		i := len(b) - 3
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	forged := token.NewSigner([]byte("not the service's key, 32 bytes")).Sign(token.Me, id, time.Time{})
	past := now.Add(-time.Hour)

	long := func(n int) string { return strings.Repeat("a", n) }
	crlfBcc := `"x\r\nBcc: evil@example.org"`

	cases := []badCase{
		// --- /subscribe, JSON that does not parse -------------------------
		{name: "empty JSON body", req: jsonReq("POST", "/subscribe", ""), want: 400, jsonBody: true},
		{name: "lone brace", req: jsonReq("POST", "/subscribe", "{"), want: 400, jsonBody: true},
		{name: "truncated JSON", req: jsonReq("POST", "/subscribe", `{"email":"a@example.org","consent":tr`), want: 400, jsonBody: true},
		{name: "truncated string", req: jsonReq("POST", "/subscribe", `{"email":"a@exam`), want: 400, jsonBody: true},
		{name: "trailing comma", req: jsonReq("POST", "/subscribe", `{"email":"a@example.org","consent":true,}`), want: 400, jsonBody: true},
		{name: "single quotes", req: jsonReq("POST", "/subscribe", `{'email':'a@example.org'}`), want: 400, jsonBody: true},
		{name: "two documents", req: jsonReq("POST", "/subscribe", `{"email":"a@example.org","consent":true}{"x":1}`), want: 400, jsonBody: true},
		{name: "JSON array", req: jsonReq("POST", "/subscribe", `[{"email":"a@example.org","consent":true}]`), want: 400, jsonBody: true},
		{name: "JSON string", req: jsonReq("POST", "/subscribe", `"a@example.org"`), want: 400, jsonBody: true},
		{name: "JSON number", req: jsonReq("POST", "/subscribe", `42`), want: 400, jsonBody: true},
		{name: "nested 20000 deep", req: jsonReq("POST", "/subscribe", `{"email":`+strings.Repeat("[", 20000)+strings.Repeat("]", 20000)+`}`), want: 400, jsonBody: true},
		{name: "NUL byte outside strings", req: jsonReq("POST", "/subscribe", "{\"email\":\"a@example.org\",\x00\"consent\":true}"), want: 400, jsonBody: true},
		{name: "bad escape", req: jsonReq("POST", "/subscribe", `{"email":"a\q@example.org","consent":true}`), want: 400, jsonBody: true},

		// --- /subscribe, JSON of the wrong types ----------------------------
		{name: "email number", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"email": `123`})), want: 422, jsonBody: true, field: "email"},
		{name: "email list", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"email": `["a@example.org"]`})), want: 422, jsonBody: true, field: "email"},
		{name: "email object", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"email": `{"a":1}`})), want: 422, jsonBody: true, field: "email"},
		{name: "email null", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"email": `null`})), want: 422, jsonBody: true, field: "email"},
		{name: "consent object", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"consent": `{}`})), want: 422, jsonBody: true, field: "consent"},
		{name: "consent list", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"consent": `[true]`})), want: 422, jsonBody: true, field: "consent"},
		{name: "consent false", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"consent": `false`})), want: 422, jsonBody: true, field: "consent"},
		{name: "consent no", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"consent": `"no"`})), want: 422, jsonBody: true, field: "consent"},
		{name: "consent 2", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"consent": `2`})), want: 422, jsonBody: true, field: "consent"},
		{name: "consent missing", req: jsonReq("POST", "/subscribe", `{"email":"a@example.org"}`), want: 422, jsonBody: true, field: "consent"},
		{name: "name number", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"name": `7`})), want: 422, jsonBody: true, field: "name"},
		{name: "tz bool", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"tz": `true`})), want: 422, jsonBody: true, field: "tz"},
		{name: "sequence list", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"sequence": `["guide"]`})), want: 422, jsonBody: true, field: "sequence"},
		{name: "empty object", req: jsonReq("POST", "/subscribe", `{}`), want: 422, jsonBody: true, field: "email"},
		{name: "JSON null", req: jsonReq("POST", "/subscribe", `null`), want: 422, jsonBody: true, field: "email"},

		// --- /subscribe, oversized and hostile fields -----------------------
		{name: "name 101 chars", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"name": strconv.Quote(long(101))})), want: 422, jsonBody: true, field: "name", contains: "100 characters"},
		{name: "name 101 runes", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"name": strconv.Quote(strings.Repeat("é", 101))})), want: 422, jsonBody: true, field: "name"},
		{name: "email 300 chars", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"email": strconv.Quote(long(290) + "@example.org")})), want: 422, jsonBody: true, field: "email"},
		{name: "sequence 100 chars", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"sequence": strconv.Quote(long(100))})), want: 422, jsonBody: true, field: "sequence"},
		{name: "unknown sequence", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"sequence": `"nope"`})), want: 422, jsonBody: true, field: "sequence"},
		{name: "sequence path", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"sequence": `"../../etc/passwd"`})), want: 422, jsonBody: true, field: "sequence"},
		{name: "email CRLF Bcc", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"email": `"a@example.org\r\nBcc: evil@example.org"`})), want: 422, jsonBody: true, field: "email"},
		{name: "name CRLF Bcc", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"name": crlfBcc})), want: 422, jsonBody: true, field: "name"},
		{name: "name LF only", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"name": `"Eve\nBcc: evil@example.org"`})), want: 422, jsonBody: true, field: "name"},
		{name: "name CR only", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"name": `"Eve\rBcc: evil@example.org"`})), want: 422, jsonBody: true, field: "name"},
		{name: "tz CRLF", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"tz": `"Europe/Berlin\r\nX: y"`})), want: 422, jsonBody: true, field: "tz"},
		{name: "sequence CRLF", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"sequence": `"guide\r\nX: y"`})), want: 422, jsonBody: true, field: "sequence"},
		{name: "email NUL", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"email": `"a\u0000@example.org"`})), want: 422, jsonBody: true, field: "email"},
		{name: "name NUL", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"name": `"Eve\u0000"`})), want: 422, jsonBody: true, field: "name"},
		{name: "name C1 control", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"name": `"Eve\u0085Bcc"`})), want: 422, jsonBody: true, field: "name"},
		{name: "email invalid UTF-8", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"email": "\"\xff\xfe@example.org\""})), want: 422, jsonBody: true, field: "email"},
		{name: "email display name", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"email": `"Eve <eve@example.org>"`})), want: 422, jsonBody: true, field: "email"},
		{name: "two addresses", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"email": `"a@example.org, evil@example.org"`})), want: 422, jsonBody: true, field: "email"},

		// --- /subscribe, sizes -----------------------------------------------
		{name: "JSON body over 64 KiB", req: jsonReq("POST", "/subscribe", signupJSON(map[string]string{"name": strconv.Quote(long(65 << 10))})), want: 413, jsonBody: true},
		{name: "form body over 64 KiB", req: formReq("/subscribe", "email=a%40example.org&consent=on&name="+long(65<<10)), want: 413, contains: "64 KiB"},
		{name: "declared body over 16 MiB", req: rawRequest{Method: "POST", Target: "/subscribe", Header: []string{"Content-Type: application/json"}, DeclaredLength: 16<<20 + 1}, want: 413},

		// --- /subscribe, forms ----------------------------------------------
		{name: "form email CRLF", req: formReq("/subscribe", "consent=on&email=a%40example.org%0D%0ABcc%3A+evil%40example.org"), want: 422, contains: "email address"},
		{name: "form name CRLF Bcc", req: formReq("/subscribe", "consent=on&email=a%40example.org&name=x%0D%0ABcc%3A+evil%40example.org"), want: 422, contains: "one line"},
		{name: "form tz CRLF", req: formReq("/subscribe", "consent=on&email=a%40example.org&tz=UTC%0D%0AX%3A+y"), want: 422, contains: "time zone"},
		{name: "form sequence CRLF", req: formReq("/subscribe", "consent=on&email=a%40example.org&sequence=guide%0D%0AX%3A+y"), want: 422, contains: "sequence"},
		{name: "form name NUL", req: formReq("/subscribe", "consent=on&email=a%40example.org&name=Eve%00"), want: 422, contains: "one line"},
		{name: "form name invalid UTF-8", req: formReq("/subscribe", "consent=on&email=a%40example.org&name=%FF%FE"), want: 422, contains: "one line"},
		{name: "form bad percent escapes", req: formReq("/subscribe", "consent=on&email=a%40exa%zzmple.org%"), want: 422, contains: "email address"},
		{name: "form without consent", req: formReq("/subscribe", "email=a%40example.org"), want: 422, contains: "tick the box"},
		{name: "multipart without boundary", req: rawRequest{Method: "POST", Target: "/subscribe", Header: []string{"Content-Type: multipart/form-data"}, Body: []byte("--x\r\n")}, want: 400},
		{name: "multipart empty part", req: rawRequest{Method: "POST", Target: "/subscribe", Header: []string{"Content-Type: multipart/form-data;boundary=0"}, Body: []byte("0")}, want: 400, contains: "could not be read"},
		{name: "multipart file over 64 KiB", req: rawRequest{Method: "POST", Target: "/subscribe", Header: []string{"Content-Type: multipart/form-data; boundary=zz"},
			Body: []byte("--zz\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\n\r\n" + long(70<<10) + "\r\n--zz--\r\n")}, want: 413},
		{name: "multipart truncated", req: rawRequest{Method: "POST", Target: "/subscribe", Header: []string{"Content-Type: multipart/form-data; boundary=zz"}, Body: []byte("--zz\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@exa")}, want: 400},

		// --- /subscribe, content types and methods --------------------------
		{name: "text/plain", req: rawRequest{Method: "POST", Target: "/subscribe", Header: []string{"Content-Type: text/plain"}, Body: []byte(`{"email":"a@example.org","consent":true}`)}, want: 415},
		{name: "no content type", req: rawRequest{Method: "POST", Target: "/subscribe", Body: []byte(`{"email":"a@example.org","consent":true}`)}, want: 415},
		{name: "application/xml", req: rawRequest{Method: "POST", Target: "/subscribe", Header: []string{"Content-Type: application/xml"}, Body: []byte(`<email>a@example.org</email>`)}, want: 415},
		{name: "text/plain asking for JSON", req: rawRequest{Method: "POST", Target: "/subscribe", Header: []string{"Content-Type: text/plain", "Accept: application/json"}, Body: []byte(`x`)}, want: 415, jsonBody: true},
		{name: "invalid Content-Length", req: rawRequest{Method: "POST", Target: "/subscribe", Header: []string{"Content-Type: application/json", "Content-Length: abc"}}, want: 400},
		{name: "chunked body over 64 KiB", req: rawRequest{Method: "POST", Target: "/subscribe", NoLength: true,
			Header: []string{"Content-Type: application/json", "Transfer-Encoding: chunked"}, Body: chunked(signupJSON(map[string]string{"name": strconv.Quote(long(70 << 10))}))}, want: 413},
		{name: "chunked body truncated", req: rawRequest{Method: "POST", Target: "/subscribe", NoLength: true,
			Header: []string{"Content-Type: application/json", "Transfer-Encoding: chunked"}, Body: []byte("ZZ\r\n{}\r\n0\r\n\r\n")}, want: 400},
		{name: "Content-Length and chunked", req: rawRequest{Method: "POST", Target: "/subscribe", NoLength: true,
			Header: []string{"Content-Type: application/json", "Content-Length: 4", "Transfer-Encoding: chunked"}, Body: chunked(`{"email":"a@example.org"}`)}, want: 0},
		{name: "NUL in Content-Type", req: rawRequest{Method: "POST", Target: "/subscribe", Header: []string{"Content-Type: \x00application/json"}, Body: []byte(`{"email":"a@example.org","consent":true}`)}, want: 400}, // fasthttp refuses the header itself (415 before v1.79)
		{name: "PUT /subscribe", req: jsonReq("PUT", "/subscribe", `{}`), want: 405},
		{name: "GET /subscribe", req: rawRequest{Method: "GET", Target: "/subscribe"}, want: 405},
		{name: "DELETE /", req: rawRequest{Method: "DELETE", Target: "/"}, want: 405},
		{name: "PATCH /confirm", req: rawRequest{Method: "PATCH", Target: "/confirm/" + sign(token.Confirm, now.Add(time.Hour))}, want: 405},
		{name: "unknown method", req: rawRequest{Method: "BREW", Target: "/"}, want: 400},

		// --- path tricks -------------------------------------------------------
		{name: "dot-dot to admin API", req: rawRequest{Method: "GET", Target: "/confirm/../admin/api/subscribers"}, want: 404},
		{name: "encoded dot-dot to admin API", req: rawRequest{Method: "GET", Target: "/confirm/%2e%2e/admin/api/subscribers"}, want: 404},
		{name: "dot-dot inside admin API", req: rawRequest{Method: "GET", Target: "/admin/api/letters/../subscribers"}, want: 401, jsonBody: true},
		{name: "dot-dot out of admin API", req: rawRequest{Method: "GET", Target: "/admin/api/../../me/x/export"}, want: 401, jsonBody: true},
		{name: "encoded slash dot-dot", req: rawRequest{Method: "GET", Target: "/me/..%2f..%2fadmin%2fapi%2fsubscribers"}, want: 0},
		{name: "double-encoded dot-dot", req: rawRequest{Method: "GET", Target: "/download/%252e%252e%252fsequences%252fguide%252fguide.md"}, want: 404},
		{name: "confirm empty token", req: rawRequest{Method: "GET", Target: "/confirm/"}, want: 404},
		{name: "letters dot-dot", req: rawRequest{Method: "GET", Target: "/letters/..%2f..%2f..%2fetc%2fpasswd"}, want: 404},
		{name: "NUL in path", req: rawRequest{Method: "GET", Target: "/download/%00"}, want: 404},
		{name: "CRLF in path", req: rawRequest{Method: "GET", Target: "/confirm/x%0D%0ASet-Cookie:%20injected=1"}, want: 404},
		{name: "long token 10 KB", req: rawRequest{Method: "GET", Target: "/unsubscribe/" + long(10<<10)}, want: 404},
		{name: "path over 16 KiB", req: rawRequest{Method: "GET", Target: "/confirm/" + long(20<<10)}, want: 431},
		{name: "query over 16 KiB", req: rawRequest{Method: "GET", Target: "/?sequence=" + long(20<<10)}, want: 431},
		{name: "one huge header", req: rawRequest{Method: "GET", Target: "/", Header: []string{"X-Junk: " + long(20<<10)}}, want: 431},
		{name: "many headers", req: rawRequest{Method: "GET", Target: "/", Header: strings.Split(strings.TrimSuffix(strings.Repeat("X-Junk: "+long(40)+"\n", 600), "\n"), "\n")}, want: 431},
		{name: "absolute-form to another host", req: rawRequest{Method: "GET", Target: "http://evil.example/admin/api/subscribers"}, want: 401},

		// --- tokens: tampered, expired, wrong purpose, forged -------------
		{name: "confirm tampered", req: rawRequest{Method: "GET", Target: "/confirm/" + tamper(sign(token.Confirm, now.Add(time.Hour)))}, want: 404, contains: "exactly as it came"},
		{name: "confirm expired", req: rawRequest{Method: "GET", Target: "/confirm/" + sign(token.Confirm, past)}, want: 400, contains: "expired"},
		{name: "confirm wrong purpose", req: rawRequest{Method: "GET", Target: "/confirm/" + sign(token.Unsubscribe, time.Time{})}, want: 404},
		{name: "POST confirm expired", req: formReq("/confirm/"+sign(token.Confirm, past), ""), want: 400},
		{name: "POST confirm wrong purpose", req: formReq("/confirm/"+sign(token.Me, time.Time{}), ""), want: 404},
		{name: "POST confirm forged", req: formReq("/confirm/"+forged, ""), want: 404},
		{name: "unsubscribe tampered", req: rawRequest{Method: "GET", Target: "/unsubscribe/" + tamper(sign(token.Unsubscribe, time.Time{}))}, want: 404},
		{name: "unsubscribe expired", req: formReq("/unsubscribe/"+sign(token.Unsubscribe, past), "List-Unsubscribe=One-Click"), want: 400},
		{name: "unsubscribe wrong purpose", req: formReq("/unsubscribe/"+sign(token.Confirm, now.Add(time.Hour)), "List-Unsubscribe=One-Click"), want: 404},
		{name: "me tampered", req: rawRequest{Method: "GET", Target: "/me/" + tamper(sign(token.Me, time.Time{}))}, want: 404},
		{name: "me expired", req: rawRequest{Method: "GET", Target: "/me/" + sign(token.Me, past)}, want: 400},
		{name: "me wrong purpose", req: rawRequest{Method: "GET", Target: "/me/" + sign(token.Download, now.Add(time.Hour))}, want: 404},
		{name: "me forged", req: rawRequest{Method: "GET", Target: "/me/" + forged}, want: 404},
		{name: "export tampered", req: rawRequest{Method: "GET", Target: "/me/" + tamper(sign(token.Me, time.Time{})) + "/export"}, want: 404, jsonBody: true},
		{name: "export expired", req: rawRequest{Method: "GET", Target: "/me/" + sign(token.Me, past) + "/export"}, want: 400, jsonBody: true},
		{name: "export wrong purpose", req: rawRequest{Method: "GET", Target: "/me/" + sign(token.Unsubscribe, time.Time{}) + "/export"}, want: 404, jsonBody: true},
		{name: "erase tampered", req: formReq("/me/"+tamper(sign(token.Me, time.Time{}))+"/erase", ""), want: 404},
		{name: "erase expired", req: formReq("/me/"+sign(token.Me, past)+"/erase", ""), want: 400},
		{name: "erase wrong purpose", req: formReq("/me/"+sign(token.Confirm, now.Add(time.Hour))+"/erase", ""), want: 404},
		{name: "download tampered", req: rawRequest{Method: "GET", Target: "/download/" + tamper(sign(token.Download, now.Add(time.Hour)))}, want: 404},
		{name: "download expired", req: rawRequest{Method: "GET", Target: "/download/" + sign(token.Download, past)}, want: 400},
		{name: "download wrong purpose", req: rawRequest{Method: "GET", Target: "/download/" + sign(token.Me, time.Time{})}, want: 404},
		{name: "download of nobody", req: rawRequest{Method: "GET", Target: "/download/" + a.Links.Signer.Sign(token.Download, "no-such-id", time.Time{})}, want: 404},
		{name: "token with dot only", req: rawRequest{Method: "GET", Target: "/me/."}, want: 404},
		{name: "token with bad base64", req: rawRequest{Method: "GET", Target: "/me/%21%21.%21%21"}, want: 404},

		// --- admin API -----------------------------------------------------
		{name: "admin API without token", req: rawRequest{Method: "GET", Target: "/admin/api/subscribers"}, want: 401, jsonBody: true},
		{name: "admin API wrong token", req: rawRequest{Method: "GET", Target: "/admin/api/subscribers", Header: []string{"Authorization: Bearer admin-secreT"}}, want: 401, jsonBody: true},
		{name: "admin API token prefix", req: rawRequest{Method: "GET", Target: "/admin/api/subscribers", Header: []string{"Authorization: Bearer admin-secre"}}, want: 401, jsonBody: true},
		{name: "admin API basic auth", req: rawRequest{Method: "GET", Target: "/admin/api/subscribers", Header: []string{"Authorization: Basic YWRtaW46YWRtaW4tc2VjcmV0"}}, want: 401, jsonBody: true},
		{name: "admin API token in query", req: rawRequest{Method: "GET", Target: "/admin/api/subscribers?token=admin-secret-for-the-tests"}, want: 401, jsonBody: true},
		{name: "letters POST without token", req: jsonReq("POST", "/admin/api/letters", `{"subject":"x","markdown":"y"}`), want: 401, jsonBody: true},
		{name: "import without token", req: rawRequest{Method: "POST", Target: "/admin/api/subscribers", Header: []string{"Content-Type: text/csv"}, Body: []byte("email\na@example.org\n")}, want: 401, jsonBody: true},
		{name: "bad send_at", req: adminJSON("POST", "/admin/api/letters", `{"subject":"Hi","markdown":"Hello","send_at":"tomorrow"}`), want: 422, jsonBody: true, field: "send_at"},
		{name: "send_at without zone", req: adminJSON("POST", "/admin/api/letters", `{"subject":"Hi","markdown":"Hello","send_at":"2026-12-01T08:00:00"}`), want: 422, jsonBody: true, field: "send_at"},
		{name: "send_at number", req: adminJSON("POST", "/admin/api/letters", `{"subject":"Hi","markdown":"Hello","send_at":1767250800}`), want: 422, jsonBody: true, field: "send_at"},
		{name: "letter subject CRLF", req: adminJSON("POST", "/admin/api/letters", `{"subject":"Hi\r\nBcc: evil@example.org","markdown":"Hello"}`), want: 422, jsonBody: true, field: "subject"},
		{name: "letter truncated JSON", req: adminJSON("POST", "/admin/api/letters", `{"subject":"Hi","markdown":"Hel`), want: 400, jsonBody: true},
		{name: "letter JSON array", req: adminJSON("POST", "/admin/api/letters", `[]`), want: 400, jsonBody: true},
		{name: "letter as text/plain", req: rawRequest{Method: "POST", Target: "/admin/api/letters", Header: []string{bearer, "Content-Type: text/plain"}, Body: []byte("Hi")}, want: 415, jsonBody: true},
		{name: "letter not found", req: rawRequest{Method: "GET", Target: "/admin/api/letters/nope", Header: []string{bearer}}, want: 404, jsonBody: true},
		{name: "cancel unknown letter", req: rawRequest{Method: "DELETE", Target: "/admin/api/letters/%00", Header: []string{bearer}}, want: 404, jsonBody: true},
		{name: "bad status filter", req: rawRequest{Method: "GET", Target: "/admin/api/subscribers?status=everyone", Header: []string{bearer}}, want: 422, jsonBody: true, field: "status"},
		{name: "negative offset", req: rawRequest{Method: "GET", Target: "/admin/api/subscribers?offset=-5", Header: []string{bearer}}, want: 422, jsonBody: true},
		{name: "admin body over 16 MiB", req: rawRequest{Method: "POST", Target: "/admin/api/subscribers", Header: []string{bearer, "Content-Type: text/csv"}, Body: bytes.Repeat([]byte("a@example.org,,pending,\n"), (16<<20)/24+10)}, want: 413},

		// --- imports: broken CSV and JSON ----------------------------------
		{name: "CSV empty", req: adminCSV(""), want: 400, jsonBody: true, contains: "header"},
		{name: "CSV without email column", req: adminCSV("mail,name\na@example.org,A\n"), want: 400, jsonBody: true, contains: "email"},
		{name: "CSV bare quote", req: adminCSV("email,name,status,sequence\n\"a@example.org,A\"x\",confirmed,\n"), want: 200, check: rowErrors(2)},
		{name: "CSV name CRLF Bcc", req: adminCSV("email,name,status,sequence\nrow@example.org,\"Eve\r\nBcc: evil@example.org\",confirmed,guide\n"), want: 200, check: rowErrors(2)},
		{name: "CSV email CRLF", req: adminCSV("email,name,status,sequence\n\"row@example.org\r\nBcc: evil@example.org\",Eve,confirmed,guide\n"), want: 200, check: rowErrors(2)},
		{name: "CSV NUL and bad UTF-8", req: adminCSV("email,name,status,sequence\nnul\x00@example.org,A,confirmed,\nbad@example.org,\xff\xfe,confirmed,\n"), want: 200, check: rowErrors(2, 3)},
		{name: "CSV bad status and sequence", req: adminCSV("email,name,status,sequence\ns@example.org,A,subscribed,\nq@example.org,B,confirmed,../../etc\n"), want: 200, check: rowErrors(2, 3)},
		{name: "CSV binary junk", req: adminCSV("email\n\x00\x01\x02\x03\n"), want: 200, check: rowErrors(2)},
		{name: "import truncated JSON", req: adminJSON("POST", "/admin/api/subscribers", `{"subscribers":[{"email":"a@example.org"`), want: 400, jsonBody: true},
		{name: "import subscribers not a list", req: adminJSON("POST", "/admin/api/subscribers", `{"subscribers":"a@example.org"}`), want: 422, jsonBody: true, field: "subscribers"},
		{name: "import email number", req: adminJSON("POST", "/admin/api/subscribers", `{"subscribers":[{"email":5}]}`), want: 422, jsonBody: true},
		{name: "import JSON name CRLF", req: adminJSON("POST", "/admin/api/subscribers", `{"subscribers":[{"email":"j@example.org","name":"Eve\r\nBcc: evil@example.org","status":"confirmed"}]}`), want: 200, check: rowErrors(1)},
		{name: "import as text/plain", req: rawRequest{Method: "POST", Target: "/admin/api/subscribers", Header: []string{bearer, "Content-Type: text/plain"}, Body: []byte("email\na@example.org\n")}, want: 415, jsonBody: true},

		// --- admin desk ------------------------------------------------------
		{name: "login without CSRF", req: formReq("/admin/login", "token=admin-secret-for-the-tests"), want: 403},
		{name: "login with mismatched CSRF", req: formReq("/admin/login", "token=admin-secret-for-the-tests&csrf=0123456789abcdef0123456789abcdef", "Cookie: nl_csrf=fedcba9876543210fedcba9876543210"), want: 403},
		{name: "logout without CSRF", req: formReq("/admin/logout", ""), want: 403},
		{name: "forged session cookie", req: rawRequest{Method: "GET", Target: "/admin", Header: []string{"Cookie: nl_admin=" + a.Links.Signer.Sign(token.Me, "admin", time.Time{})}}, want: 200, contains: "csrf"},
	}
	if len(cases) < 60 {
		t.Fatalf("only %d hostile requests; the suite promises at least 60", len(cases))
	}
	codes := map[int]int{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.req.do(t, a)
			codes[r.Code]++
			if r.Code >= 500 {
				t.Fatalf("status %d (a 5xx) for hostile input; body: %.300s", r.Code, r.Body)
			}
			switch {
			case c.want != 0 && r.Code != c.want:
				t.Errorf("status %d, want %d; body: %.300s", r.Code, c.want, r.Body)
			case c.want == 0 && (r.Code < 400 || r.Code > 499):
				t.Errorf("status %d, want a 4xx; body: %.300s", r.Code, r.Body)
			}
			if len(bytes.TrimSpace(r.Body)) == 0 {
				t.Errorf("empty body with status %d: a person needs to read what went wrong", r.Code)
			}
			if c.jsonBody {
				assertJSONError(t, r)
			}
			if c.field != "" {
				var v struct {
					Errors map[string]string `json:"errors"`
				}
				if err := json.Unmarshal(r.Body, &v); err != nil || strings.TrimSpace(v.Errors[c.field]) == "" {
					t.Errorf("want errors.%s in %s", c.field, r.Body)
				}
			}
			if c.contains != "" && !strings.Contains(string(r.Body), c.contains) {
				t.Errorf("body lacks %q: %.400s", c.contains, r.Body)
			}
			if c.check != nil {
				c.check(t, r)
			}
			for k, vs := range r.Header {
				for _, v := range vs {
					if strings.Contains(strings.ToLower(k+v), "injected") || strings.EqualFold(k, "Bcc") {
						t.Errorf("injected header in the answer: %s: %s", k, v)
					}
				}
			}
		})
	}
	t.Logf("%d hostile requests; status codes: %v", len(cases), codes)

	// Nothing that was rejected reached anyone: the only subscribers are
	// the one made above and none of the rejected addresses.
	subs, total, err := a.Store.Subscribers(ctx, "", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if total != 1 || subs[0].Email != "victim@example.org" {
		var got []string
		for _, s := range subs {
			got = append(got, s.Email)
		}
		t.Errorf("hostile requests created subscribers: %v", got)
	}
	if s := a.Subscriber(t, "victim@example.org"); s.Status != newsletter.StatusPending {
		t.Errorf("bad tokens changed the subscriber: status %s", s.Status)
	}
}

// TestNoHeaderInjection: a name (or address) carrying "\r\nBcc:" is
// refused at signup and at import, and no mail ever reaches a recipient
// nobody signed up, nor carries a Bcc or an extra recipient.
func TestNoHeaderInjection(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	inj := "Eve\r\nBcc: evil@example.org"

	// Signup: refused with 422, as JSON and as a form.
	res := postJSON(t, a, "/subscribe", map[string]any{"email": "eve@example.org", "name": inj, "consent": true})
	if body := status(t, res, http.StatusUnprocessableEntity); !strings.Contains(body, `"name"`) {
		t.Fatalf("422 without a name error: %s", body)
	}
	res = must(a.Client.PostForm(a.URL+"/subscribe", map[string][]string{"email": {"eve@example.org"}, "name": {inj}, "consent": {"on"}}))
	status(t, res, http.StatusUnprocessableEntity)

	// Import: rows with CR/LF in any field are row errors; the rest go in,
	// including names that look like headers but are one line.
	oneLine := []string{
		"Eve Bcc: evil@example.org",
		"Eve\u2028Bcc: evil@example.org",
		"=?utf-8?q?Eve=0D=0ABcc:_evil@example.org?=",
		`"Eve" <evil@example.org>, Bcc`,
	}
	body := map[string]any{"subscribers": []map[string]string{
		{"email": "imp1@example.org", "name": inj, "status": "confirmed", "sequence": "guide"},
		{"email": "imp2@example.org\r\nBcc: evil@example.org", "name": "Eve", "status": "confirmed", "sequence": "guide"},
		{"email": "imp3@example.org", "name": "Eve\nTo: evil@example.org", "status": "pending"},
		{"email": "ok1@example.org", "name": oneLine[0], "status": "confirmed", "sequence": "guide"},
		{"email": "ok2@example.org", "name": oneLine[1], "status": "confirmed", "sequence": "guide"},
		{"email": "ok3@example.org", "name": oneLine[2], "status": "pending"},
		{"email": "ok4@example.org", "name": oneLine[3], "status": "pending"},
	}}
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/admin/api/subscribers", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer admin-secret-for-the-tests")
	req.Header.Set("Content-Type", "application/json")
	var ir service.ImportResult
	if err := json.Unmarshal([]byte(status(t, must(a.Client.Do(req)), http.StatusOK)), &ir); err != nil {
		t.Fatal(err)
	}
	if ir.Imported != 4 || len(ir.Errors) != 3 {
		t.Fatalf("import: %+v; want 4 imported and rows 1-3 refused", ir)
	}
	for i, e := range ir.Errors {
		if e.Row != i+1 || e.Error == "" {
			t.Errorf("import error %d = %+v", i, e)
		}
	}
	csvBody := "email,name,status,sequence\r\ncsv1@example.org,\"Eve\r\nBcc: evil@example.org\",pending,\r\ncsv2@example.org,Eve Bcc: evil@example.org,pending,\r\n"
	req, _ = http.NewRequest(http.MethodPost, a.URL+"/admin/api/subscribers", strings.NewReader(csvBody))
	req.Header.Set("Authorization", "Bearer admin-secret-for-the-tests")
	req.Header.Set("Content-Type", "text/csv")
	ir = service.ImportResult{}
	if err := json.Unmarshal([]byte(status(t, must(a.Client.Do(req)), http.StatusOK)), &ir); err != nil {
		t.Fatal(err)
	}
	if ir.Imported != 1 || len(ir.Errors) != 1 || ir.Errors[0].Row != 2 {
		t.Fatalf("CSV import: %+v; want row 2 refused, row 3 imported", ir)
	}

	// Send everything that is due (confirmations and first steps), then
	// look at what the SMTP server saw.
	for i := 0; i < 5 && a.Drain(t) > 0; i++ {
	}
	allowed := map[string]bool{"ok1@example.org": true, "ok2@example.org": true, "ok3@example.org": true, "ok4@example.org": true, "csv2@example.org": true}
	msgs := a.SMTP.Messages()
	if len(msgs) < len(allowed) {
		t.Fatalf("%d mails, want at least %d", len(msgs), len(allowed))
	}
	for _, m := range msgs {
		if !allowed[strings.ToLower(m.To)] {
			t.Errorf("mail reached %q, who never signed up", m.To)
		}
		h := m.Header()
		if len(h["Bcc"]) > 0 || len(h["Cc"]) > 0 {
			t.Errorf("mail to %s carries Bcc/Cc: %v %v", m.To, h["Bcc"], h["Cc"])
		}
		to, err := h.AddressList("To")
		if err != nil || len(to) != 1 || !strings.EqualFold(to[0].Address, m.To) {
			t.Errorf("mail to %s has To %q (%v): want exactly the recipient", m.To, h.Get("To"), err)
		}
		if bytes.Contains(bytes.ToLower(m.Data), []byte("\nbcc:")) {
			t.Errorf("mail to %s holds a Bcc line:\n%s", m.To, m.Data)
		}
	}
}
