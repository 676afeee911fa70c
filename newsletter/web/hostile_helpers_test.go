package web_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter/service"
)

// rawResponse is what came back for a raw request.
type rawResponse struct {
	Code   int
	Header http.Header
	Body   []byte
}

// rawRequest is one HTTP/1.1 request written byte for byte, so that the
// test (and not a client library) decides what reaches the server: the
// request-target unescaped and uncleaned, odd methods, huge headers.
type rawRequest struct {
	Method string
	Target string   // request-target exactly as sent
	Header []string // "Name: value" lines
	Body   []byte
	// DeclaredLength, when > 0, is sent as Content-Length instead of
	// len(Body) (a body over the limit is then never written in full).
	DeclaredLength int
	// NoLength sends no Content-Length (the Header lines frame the body).
	NoLength bool
}

// do sends r on a fresh connection (Connection: close) and reads the answer.
func (r rawRequest) do(t *testing.T, a *apptest.App) rawResponse {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(a.URL, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	var head bytes.Buffer
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", r.Method, r.Target, strings.TrimPrefix(a.URL, "http://"))
	for _, h := range r.Header {
		head.WriteString(h + "\r\n")
	}
	n := len(r.Body)
	if r.DeclaredLength > 0 {
		n = r.DeclaredLength
	}
	if !r.NoLength && (n > 0 || r.Method == http.MethodPost || r.Method == http.MethodPut) {
		fmt.Fprintf(&head, "Content-Length: %d\r\n", n)
	}
	head.WriteString("\r\n")
	// Write in the background: the server may answer (413, 431) and close
	// before it has read everything, and that answer is what we test.
	go func() {
		if _, err := conn.Write(head.Bytes()); err != nil {
			return
		}
		_, _ = conn.Write(r.Body)
	}()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s %.80s: no HTTP answer: %v", r.Method, r.Target, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return rawResponse{Code: res.StatusCode, Header: res.Header, Body: body}
}

// chunked frames body with chunked transfer coding, in 4 KiB chunks.
func chunked(body string) []byte {
	var b bytes.Buffer
	for len(body) > 0 {
		n := min(len(body), 4096)
		fmt.Fprintf(&b, "%x\r\n%s\r\n", n, body[:n])
		body = body[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.Bytes()
}

func jsonReq(method, target, body string, hdr ...string) rawRequest {
	return rawRequest{Method: method, Target: target, Header: append([]string{"Content-Type: application/json"}, hdr...), Body: []byte(body)}
}

func formReq(target, body string, hdr ...string) rawRequest {
	return rawRequest{Method: http.MethodPost, Target: target, Header: append([]string{"Content-Type: application/x-www-form-urlencoded"}, hdr...), Body: []byte(body)}
}

func adminJSON(method, target, body string) rawRequest {
	return jsonReq(method, target, body, bearer)
}

func adminCSV(body string) rawRequest {
	return rawRequest{Method: http.MethodPost, Target: "/admin/api/subscribers", Header: []string{bearer, "Content-Type: text/csv"}, Body: []byte(body)}
}

// signupJSON builds a signup body from a base valid signup with the
// given fields replaced by raw JSON values.
func signupJSON(fields map[string]string) string {
	base := map[string]string{"email": `"hostile@example.org"`, "consent": `true`}
	for k, v := range fields {
		base[k] = v
	}
	var parts []string
	for _, k := range []string{"email", "name", "consent", "sequence", "tz", "website"} {
		if v, ok := base[k]; ok && v != "" {
			parts = append(parts, strconv.Quote(k)+":"+v)
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// rowErrors asserts an import answered 200 with an error for each given row.
func rowErrors(rows ...int) func(t *testing.T, r rawResponse) {
	return func(t *testing.T, r rawResponse) {
		t.Helper()
		var res service.ImportResult
		if err := json.Unmarshal(r.Body, &res); err != nil {
			t.Fatalf("import answer is not JSON: %v: %s", err, r.Body)
		}
		got := map[int]string{}
		for _, e := range res.Errors {
			got[e.Row] = e.Error
		}
		for _, row := range rows {
			if strings.TrimSpace(got[row]) == "" {
				t.Errorf("no error for row %d: %s", row, r.Body)
			}
		}
		if res.Imported != 0 {
			t.Errorf("imported %d rows of a broken import: %s", res.Imported, r.Body)
		}
	}
}

// assertJSONError checks r is JSON with a non-empty "error" string or a
// non-empty "errors" map of non-empty messages.
func assertJSONError(t *testing.T, r rawResponse) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want JSON; body: %.200s", ct, r.Body)
		return
	}
	var v struct {
		Error  string            `json:"error"`
		Errors map[string]string `json:"errors"`
	}
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Errorf("body is not the JSON error shape: %v: %.200s", err, r.Body)
		return
	}
	if strings.TrimSpace(v.Error) == "" && len(v.Errors) == 0 {
		t.Errorf("JSON body has neither error nor errors: %s", r.Body)
	}
	for f, m := range v.Errors {
		if strings.TrimSpace(m) == "" || f == "" {
			t.Errorf("errors holds an empty field or message: %s", r.Body)
		}
	}
}
